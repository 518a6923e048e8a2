// The documents the agent serves about itself: /metrics, /healthz, the status matrix, `novacron
// status`, playbooks and metrics.
#include "agent/agent_impl.h"
#include "broker/server.h"
#include "io/gzip.h"

namespace novacron::agent {

collectors::Batches Agent::Impl::latestBatches() const {
  collectors::Batches batches;
  for (const auto* s : allSources(*this)) s->latest(batches);
  return batches;
}

const std::string& Agent::Impl::metricsText(bool gzipped) {
  RenderedMetrics& r = rendered_metrics;
  if (r.sweep != sweeps) {
    r.text = metrics::renderMetrics(latestBatches().list, events.render());
    r.gzipped.clear();
    r.gzipped.shrink_to_fit();
    r.has_gzipped = false;
    r.sweep = sweeps;
  }
  if (!gzipped) return r.text;
  if (!r.has_gzipped) {
    r.gzipped = io::gzip(r.text);
    r.has_gzipped = true;
  }
  return r.gzipped;
}

// The runbook's service status matrix: one row per collector, per probe and for the incident
// store, each ok, degraded or down.
json Agent::Impl::matrixJson() const {
  std::vector<collectors::SourceStatus> status;
  for (const auto* s : allSources(*this)) s->status(status);
  json rows = json::array();
  for (const auto& r : status) {
    rows.push_back({{"name", r.name},
                    {"kind", r.kind},
                    {"status", r.status},
                    {"latency_seconds", r.latency_seconds},
                    {"error_ratio", r.error_ratio},
                    {"detail", r.detail}});
  }
  std::string store_status = !store_error.empty()                        ? "down"
                             : manager && !manager->storeError().empty() ? "degraded"
                                                                         : "ok";
  rows.push_back({{"name", "incident_store"},
                  {"kind", "store"},
                  {"status", store_status},
                  {"latency_seconds", 0},
                  {"error_ratio", 0},
                  {"detail", !store_error.empty() ? store_error
                             : manager            ? manager->storeError()
                                                  : ""}});
  if (broker) {
    // Both processes read the same files; a file only root can read, or a reload that failed
    // on one side, leaves them apart, and the broker then refuses what the agent asks.
    bool same = broker->info().policy == broker::policyDigest(evaluator.policy());
    // The heartbeat asks it every 5 s; an alive broker that stops answering (stuck in a system
    // call) runs nothing either.
    auto silent = std::chrono::duration<double>(broker->unanswered()).count();
    bool stuck = silent > 3 * std::chrono::duration<double>(sources.heartbeat()).count() + 5;
    std::string detail = "pid " + std::to_string(broker_pid) + ", policy " + broker->info().policy +
                         ", " + std::to_string(broker->running()) + " run(s)";
    if (!same) detail += "; its policy differs from the agent's: reload both (systemctl reload)";
    if (stuck)
      detail = "no answer for " + std::to_string(static_cast<long>(silent)) + " s; " + detail;
    rows.push_back({{"name", "broker"},
                    {"kind", "broker"},
                    {"status", !broker->up()    ? "down"
                               : same && !stuck ? "ok"
                                                : "degraded"},
                    {"latency_seconds", 0},
                    {"error_ratio", 0},
                    {"detail", broker->up() ? detail : "broker down: " + broker->downReason()}});
  }
  return rows;
}

std::vector<std::pair<std::string, const collectors::CollectorHealth*>> Agent::Impl::sampling()
    const {
  std::vector<std::pair<std::string, const collectors::CollectorHealth*>> out;
  for (const auto* s : allSources(*this)) s->sampling(out);
  return out;
}

json Agent::Impl::healthJson() const {
  json collectors = json::object();
  bool all_ok = true;
  for (const auto& [group, h] : sampling()) {
    if (h->runs == 0) continue;
    collectors[h->name] = h->up ? "ok" : "down: " + h->last_error;
    all_ok = all_ok && h->up;
  }
  double age =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - last_heartbeat).count();
  bool sampling = age < 3 * std::chrono::duration<double>(sources.heartbeat()).count() + 1;
  if (!store_error.empty()) {
    all_ok = false;
    collectors["incident_store"] = "down: " + store_error;
  } else if (manager && !manager->storeError().empty()) {
    all_ok = false;
    collectors["incident_store"] = "failing: " + manager->storeError();
  }
  if (broker && !broker->up()) {
    all_ok = false;
    collectors["broker"] = "broker down: " + broker->downReason();
  }
  return {{"status", !sampling ? "stalled"
                     : all_ok  ? "ok"
                               : "degraded"},
          {"last_sweep_age_seconds", age},
          {"collectors", collectors},
          {"config_reload_successful", reload.successful}};
}

json Agent::Impl::statusJson() const {
  json cols = json::array();
  for (const auto& [group, h] : sampling()) {
    cols.push_back({{"name", h->name},
                    {"group", group},
                    {"ok", h->up},
                    {"runs", h->runs},
                    {"errors", h->errors},
                    {"last_error", h->last_error},
                    {"last_duration_seconds", h->duration_seconds},
                    {"last_success", h->runs && h->up ? toSeconds(h->last_success) : 0.0}});
  }
  return {{"node_id", config.node_id},
          {"labels", config.node_labels},
          {"version", kVersion},
          {"pid", ::getpid()},
          {"uptime_seconds", std::chrono::duration<double>(clock.now() - started).count()},
          {"state_dir", config.state_dir.string()},
          {"http_listen", config.http_listen.host + ":" + std::to_string(http.port())},
          {"config", {{"source", config.source}, {"last_reload_successful", reload.successful}}},
          {"health", healthJson()["status"]},
          {"collectors", cols},
          {"store", {{"series", store.seriesCount()}, {"points", store.pointCount()}}},
          {"policy", policyJson()},
          {"matrix", matrixJson()},
          {"mode", config.dry_run ? "dry-run" : "enforce"},
          {"paused", paused()},
          {"open_incidents", manager ? manager->active() : 0},
          {"containment", {{"mode", containment_mode}, {"description", containment_description}}},
          {"outbox", delivery.outboxJson()},
          {"store_id", store_id},
          {"policy_digest", evaluator.policy().digest}};
}

bool Agent::Impl::paused() const {
  if (!incident_store) return false;
  auto p = incident_store->state("paused");
  return p && p->value_or("false") == "true";
}

json Agent::Impl::decisionJson(const policy::Decision& d) const {
  return {{"at", toSeconds(d.at)},  {"kind", policy::decisionName(d.kind)},
          {"playbook", d.playbook}, {"labels", metrics::labelsToJson(d.labels)},
          {"severity", d.severity}, {"reason", d.reason},
          {"dry_run", d.dry_run}};
}

json Agent::Impl::policyJson() const {
  json open = json::array();
  for (const auto& o : evaluator.open()) {
    open.push_back({{"playbook", o.playbook},
                    {"labels", metrics::labelsToJson(o.labels)},
                    {"severity", o.severity},
                    {"since", toSeconds(o.since)},
                    {"flapping", o.flapping}});
  }
  json recent = json::array();
  for (auto it = recent_decisions.rbegin(); it != recent_decisions.rend() && recent.size() < 10;
       ++it) {
    recent.push_back(decisionJson(*it));
  }
  return {{"mode", config.dry_run ? "dry-run" : "enforce"},
          {"playbooks_enabled", policy_stats.playbooks_enabled},
          {"playbooks_disabled", policy_stats.playbooks_disabled},
          {"open", open},
          {"recent_decisions", recent}};
}

json Agent::Impl::playbooksJson() const {
  json out = json::array();
  for (const auto& p : evaluator.policy().playbooks) {
    json actions = json::array();
    for (const auto& a : p.actions) {
      actions.push_back({{"id", a.id}, {"type", a.type}, {"automated", a.automated}});
    }
    out.push_back(
        {{"name", p.name},
         {"enabled", p.enabled},
         {"severity", p.severity},
         {"category", policy::categoryName(p.category)},
         {"description", p.description},
         {"when", p.when ? p.when->text() : ""},
         {"for", formatDuration(p.for_duration)},
         {"source", p.builtin ? "builtin" : p.pos.str()},
         {"firing", policy_stats.firing.count(p.name) ? policy_stats.firing.at(p.name) : 0},
         {"actions", actions}});
  }
  return out;
}

json Agent::Impl::metricsJson(const std::string& match) const {
  json out = json::array();
  auto batches = latestBatches();
  for (const auto* batch : batches.list) {
    for (const auto& s : *batch) {
      if (!match.empty() && s.metric->name.find(match) == std::string_view::npos) continue;
      out.push_back({{"name", s.metric->name},
                     {"labels", metrics::labelsToJson(s.labels)},
                     {"value", s.value}});
    }
  }
  // What the scrape targets put in the store: asked for here, never served on /metrics.
  store.forEach([&](const metrics::Series& s) {
    if (s.metric().labels != "*" || s.empty()) return;
    if (!match.empty() && s.metric().name.find(match) == std::string_view::npos) return;
    out.push_back({{"name", s.metric().name},
                   {"labels", metrics::labelsToJson(s.labels())},
                   {"value", s.back().v}});
  });
  return out;
}

}  // namespace novacron::agent
