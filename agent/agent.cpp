#include "agent/agent.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <deque>
#include <random>

#include "actions/diagnostics_report.h"
#include "io/orphans.h"
#include "agent/control/access.h"
#include "reporting/alertmanager.h"
#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"
#include "agent/api/bearer_token.h"
#include "collectors/collector_group.h"
#include "io/control_request.h"
#include "agent/control/control_socket.h"
#include "metrics/exposition.h"
#include "agent/api/http_api.h"
#include "agent/api/http_metrics.h"
#include "io/http_server.h"
#include "incidents/incident_commands.h"
#include "incidents/incident_manager.h"
#include "metrics/recorder.h"
#include "agent/replay.h"
#include "reporting/reporter.h"
#include "collectors/self_collector.h"
#include "io/state_dir.h"
#include "incidents/store.h"
#include "io/systemd_notify.h"
#include "metrics/metric_store.h"
#include "collectors/postgres/postgres.h"
#include "collectors/host/processes.h"
#include "novacron/version.h"
#include "base/duration.h"
#include "policy/evaluator.h"
#include "metrics/labels_json.h"
#include "collectors/probes/probe_set.h"

namespace novacron::agent {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A sweep may wait this long for slow sources (statvfs on a network mount) before it reports
// what it has: a quarter of the interval, and never more than 250 ms.
milliseconds sweepBudget(milliseconds interval) {
  return std::min<milliseconds>(interval / 4, 250ms);
}

// The /v1 tokens: http.token_file as "api", then http.tokens.
std::vector<NamedToken> apiTokens(const policy::Config& c) {
  std::vector<NamedToken> out;
  if (c.http_token_file) out.push_back({"api", *c.http_token_file});
  for (const auto& t : c.http_tokens) out.push_back({t.name, t.file});
  return out;
}

// Fixed-rate scheduling: the next run is one interval after the previous *scheduled* time, so
// sweeps do not drift; after a stall, missed runs are skipped rather than bunched.
std::chrono::steady_clock::time_point nextRun(std::chrono::steady_clock::time_point prev,
                                              milliseconds interval) {
  auto now = std::chrono::steady_clock::now();
  auto next = prev + interval;
  return next < now ? now + interval : next;
}

}  // namespace

struct Agent::Impl {
  Impl(policy::Config c, policy::PolicyPtr p, std::optional<std::filesystem::path> file,
       policy::ConfigEnv e, CollectorDeps d)
      : config(std::move(c)),
        config_file(std::move(file)),
        env(std::move(e)),
        deps(std::move(d)),
        store({config.metrics_retention, config.metrics_max_series, 9000}),
        events(kVersion),
        started(clock.now()),
        host("host", makeHostCollectors(config, deps)),
        processes("processes", makeProcessCollectors(config, deps)),
        self("agent", {}),
        evaluator(std::move(p), evaluatorOptions(config)),
        host_timer(io),
        processes_timer(io),
        watchdog_timer(io),
        signals(io, SIGTERM, SIGINT, SIGHUP),
        http(io, [this](const HttpRequest& r) { return handleHttp(r); }),
        control(io, [this](std::string_view line, const PeerCredentials& peer) {
          return handleControl(line, peer);
        }) {
    reload.last_success = started;
    self.add(std::make_unique<SelfCollector>(std::vector<const CollectorGroup*>{&host, &processes},
                                             store, reload, policy_stats, started));
    if (config.record_path) recorder.emplace(*config.record_path, config.record_max_bytes);
    updatePolicyStats();
  }

  // Declared first: destroyed last, after everything that holds handlers on it.
  asio::io_context io;
  MonotonicWallClock clock;
  policy::Config config;
  std::optional<std::filesystem::path> config_file;
  policy::ConfigEnv env;
  CollectorDeps deps;
  collectors::MetricStore store;
  EventMetrics events;
  ReloadStatus reload;
  TimePoint started;
  CollectorGroup host;
  CollectorGroup processes;
  CollectorGroup self;
  policy::Evaluator evaluator;
  PolicyStats policy_stats;
  std::deque<policy::Decision> recent_decisions;  // for `novacron status`; bounded
  std::optional<Recorder> recorder;
  // Where action processes are held; set up with the store, before the manager that uses it.
  actions::Containment containment;
  std::unique_ptr<Store> incident_store;
  std::unique_ptr<IncidentManager> manager;
  std::unique_ptr<Reporter> reporter;
  std::unique_ptr<AlertmanagerPusher> alerts;
  BearerToken api_token;
  probes::ProbeSet probe_set{
      io, clock, config.systemctl.string(),
      [this](TimePoint t, std::vector<collectors::Sample> s) { store.append(t, s); }};
  std::vector<std::unique_ptr<collectors::PostgresCollector>> databases;
  AccessPolicy access;
  std::string store_error;  // why incidents are not being recorded, for /healthz and status
  std::string store_id;     // marks the processes of this store's action runs
  TimePoint last_purge{};
  bool record_failing = false;
  std::optional<StateDir> state_dir;
  asio::steady_timer host_timer, processes_timer, watchdog_timer;
  asio::signal_set signals;
  HttpServer http;
  ControlSocket control;
  std::chrono::steady_clock::time_point last_host_sweep{};
  bool stopping = false;

  // --- sampling -----------------------------------------------------------------------------

  void sweepHost() {
    TimePoint now = clock.now();
    for (const auto& m : host.sweep(now, sweepBudget(config.host_interval), store)) logWarning(m);
    evaluatePolicy(now);
    for (const auto& m : self.sweep(now, 0ms, store)) logWarning(m);
    store.trim(now);
    record(now, host);
    last_host_sweep = std::chrono::steady_clock::now();
  }

  void sweepProcesses() {
    TimePoint now = clock.now();
    for (const auto& m : processes.sweep(now, 0ms, store)) logWarning(m);
    record(now, processes);
  }

  void record(TimePoint now, const CollectorGroup& group) {
    if (!recorder) return;
    for (const auto& batch : group.latest()) {
      auto r = recorder->append(now, batch);
      if (!r && !record_failing)
        logError(r.error().message + "; recording paused until it works again");
      if (r && record_failing) logNotice("recording resumed");
      record_failing = !r;
      if (!r) return;
    }
  }

  // --- policy -------------------------------------------------------------------------------

  void handleDecisions(const std::vector<policy::Decision>& decisions) {
    for (const auto& d : decisions) {
      std::string line = std::string(d.dry_run ? "[dry-run] " : "") + "decision " +
                         std::string(policy::decisionName(d.kind)) + " " +
                         withLabels(d.playbook, d.labels) + " SEV-" + std::to_string(d.severity) +
                         (d.action.empty() ? "" : " action " + d.action) + ": " + d.reason;
      log(d.kind == policy::DecisionKind::kOpen || d.kind == policy::DecisionKind::kEscalate
              ? LogLevel::kWarning
              : LogLevel::kNotice,
          line);
      recent_decisions.push_back(d);
      if (recent_decisions.size() > 200) recent_decisions.pop_front();
    }
  }

  void evaluatePolicy(TimePoint now) {
    auto start = std::chrono::steady_clock::now();
    auto decisions = evaluator.evaluate(store, now);
    handleDecisions(decisions);
    if (manager) {
      manager->handle(decisions);
      manager->tick();
      purgeOldIncidents(now);
    }
    policy_stats.last_evaluation_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    updatePolicyStats();
  }

  void updatePolicyStats() {
    policy_stats.playbooks_enabled = policy_stats.playbooks_disabled = 0;
    policy_stats.firing.clear();
    for (const auto& p : evaluator.policy().playbooks) {
      ++(p.enabled ? policy_stats.playbooks_enabled : policy_stats.playbooks_disabled);
      if (p.enabled) policy_stats.firing[p.name] = 0;
    }
    for (const auto& o : evaluator.open()) ++policy_stats.firing[o.playbook];
    policy_stats.dry_run = config.dry_run;
  }

  void scheduleHost(std::chrono::steady_clock::time_point prev) {
    host_timer.expires_at(nextRun(prev, config.host_interval));
    host_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      guarded("the host sweep", [this] { sweepHost(); });
      scheduleHost(host_timer.expiry());
    });
  }

  void scheduleProcesses(std::chrono::steady_clock::time_point prev) {
    processes_timer.expires_at(nextRun(prev, config.processes_interval));
    processes_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopping) return;
      guarded("the process sweep", [this] { sweepProcesses(); });
      scheduleProcesses(processes_timer.expiry());
    });
  }

  // Pets systemd's watchdog only while sampling is alive, so a wedged loop gets restarted.
  void scheduleWatchdog(std::chrono::microseconds period) {
    watchdog_timer.expires_after(period / 2);
    watchdog_timer.async_wait([this, period](boost::system::error_code ec) {
      if (ec || stopping) return;
      auto age = std::chrono::steady_clock::now() - last_host_sweep;
      if (age < std::max<std::chrono::steady_clock::duration>(period, 3 * config.host_interval)) {
        notifyWatchdog();
      } else {
        logError("sampling stalled; not petting the watchdog");
      }
      scheduleWatchdog(period);
    });
  }

  // --- HTTP ---------------------------------------------------------------------------------

  // The latest batch of every source, as /metrics and `novacron metrics` serve them. Batches
  // made on the spot (probes, delivery) are kept in `owned`, which the list points into.
  std::vector<const std::vector<collectors::Sample>*> latestBatches(
      std::deque<std::vector<collectors::Sample>>& owned) const {
    std::vector<const std::vector<collectors::Sample>*> batches;
    for (const CollectorGroup* g : {&host, &processes, &self}) {
      for (const auto& batch : g->latest()) batches.push_back(&batch);
    }
    owned.push_back(probe_set.latest());
    if (reporter) owned.push_back(reporter->latest());
    if (alerts && alerts->enabled()) owned.push_back(alerts->latest());
    for (const auto& b : owned) batches.push_back(&b);
    for (const auto& db : databases) batches.push_back(&db->health().latest);
    return batches;
  }

  std::string metricsText() const {
    std::deque<std::vector<collectors::Sample>> owned;
    return renderMetrics(latestBatches(owned), events.registry());
  }

  // The runbook's service status matrix: one row per collector, per probe and for the incident
  // store, each ok, degraded or down.
  json matrixJson() const {
    json rows = json::array();
    for (const CollectorGroup* g : {&host, &processes}) {
      for (const auto& h : g->health()) {
        if (h.runs == 0) continue;
        double err = h.runs ? static_cast<double>(h.errors) / static_cast<double>(h.runs) : 0;
        rows.push_back({{"name", h.name},
                        {"kind", "collector"},
                        {"status", h.ok ? "ok" : "down"},
                        {"latency_seconds", h.last_duration_seconds},
                        {"error_ratio", err},
                        {"detail", h.ok ? "" : h.last_error}});
      }
    }
    for (const auto& p : probe_set.health()) {
      std::string status = !p.checked          ? "pending"
                           : !p.up             ? "down"
                           : p.error_ratio > 0 ? "degraded"
                                               : "ok";
      rows.push_back({{"name", p.name},
                      {"kind", p.type + " probe"},
                      {"status", status},
                      {"latency_seconds", p.latency_seconds},
                      {"error_ratio", p.error_ratio},
                      {"detail", p.up && p.error_ratio == 0 ? p.target : p.last_error}});
    }
    for (const auto& db : databases) {
      const auto& h = db->health();
      double err = h.runs ? static_cast<double>(h.errors) / static_cast<double>(h.runs) : 0;
      rows.push_back({{"name", h.name},
                      {"kind", "postgres"},
                      {"status", h.runs == 0 ? "pending"
                                 : h.up      ? "ok"
                                             : "down"},
                      {"latency_seconds", h.last_duration_seconds},
                      {"error_ratio", err},
                      {"detail", h.up ? "" : h.last_error}});
    }
    if (reporter) {
      std::string detail;
      std::string status = reporter->status(detail);
      rows.push_back({{"name", "coordinator"},
                      {"kind", "delivery"},
                      {"status", status},
                      {"latency_seconds", 0},
                      {"error_ratio", 0},
                      {"detail", detail}});
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
    return rows;
  }

  json healthJson() const {
    json collectors = json::object();
    bool all_ok = true;
    for (const CollectorGroup* g : {&host, &processes}) {
      for (const auto& h : g->health()) {
        if (h.runs == 0) continue;
        collectors[h.name] = h.ok ? "ok" : "down: " + h.last_error;
        all_ok = all_ok && h.ok;
      }
    }
    double age =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - last_host_sweep).count();
    bool sampling = age < 3 * std::chrono::duration<double>(config.host_interval).count() + 1;
    if (!store_error.empty()) {
      all_ok = false;
      collectors["incident_store"] = "down: " + store_error;
    } else if (manager && !manager->storeError().empty()) {
      all_ok = false;
      collectors["incident_store"] = "failing: " + manager->storeError();
    }
    return {{"status", !sampling ? "stalled"
                       : all_ok  ? "ok"
                                 : "degraded"},
            {"last_sweep_age_seconds", age},
            {"collectors", collectors},
            {"config_reload_successful", reload.successful}};
  }

  HttpResponse handleHttp(const HttpRequest& r) {
    HttpResponse res;
    std::string handler = "other";
    if (r.path == "/metrics" || r.path == "/healthz") {
      handler = r.path.substr(1);
      if (r.method != "GET") {
        res = {
            405, "text/plain; charset=utf-8", "method not allowed; use GET\n", {{"Allow", "GET"}}};
      } else if (r.path == "/metrics") {
        res = {200, "text/plain; version=0.0.4; charset=utf-8", metricsText(), {}};
      } else {
        json h = healthJson();
        res = {h["status"] == "stalled" ? 503 : 200, "application/json", jsonText(h) + "\n", {}};
      }
    } else if (r.path.starts_with("/v1/")) {
      handler = "v1";
      ApiContext api{api_token, incidentContext(), [this] { return statusJson(); }};
      res = handleApi(r, api);
    } else if (r.path == "/") {
      res.body = "novacron-agent " + std::string(kVersion) +
                 "\n/metrics  Prometheus metrics\n/healthz  health as JSON\n/v1/      the "
                 "coordinator's API (bearer token)\n";
    } else {
      res = {404, "text/plain; charset=utf-8", "not found: " + r.path + "\n", {}};
    }
    events.httpRequest(handler, res.status);
    return res;
  }

  // --- control socket -----------------------------------------------------------------------

  json statusJson() const {
    json cols = json::array();
    for (const CollectorGroup* g : {&host, &processes}) {
      for (const auto& h : g->health()) {
        cols.push_back({{"name", h.name},
                        {"group", g->name()},
                        {"ok", h.ok},
                        {"runs", h.runs},
                        {"errors", h.errors},
                        {"last_error", h.last_error},
                        {"last_duration_seconds", h.last_duration_seconds},
                        {"last_success", h.runs && h.ok ? toSeconds(h.last_success) : 0.0}});
      }
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
            {"containment",
             {{"mode", actions::containmentName(containment.mode())},
              {"description", containment.description()}}},
            {"outbox", outboxJson()}};
  }

  json outboxJson() const {
    if (!reporter) return nullptr;
    const ReporterStats& s = reporter->stats();
    OutboxStats o = reporter->outbox();
    double oldest = o.oldest ? toSeconds(clock.now()) - toSeconds(*o.oldest) : 0.0;
    return {{"depth", o.depth},
            {"oldest_age_seconds", std::max(0.0, oldest)},
            {"coordinator",
             config.coordinator_url.empty() ? json(nullptr) : json(config.coordinator_url)},
            {"delivered", s.delivered},
            {"parked", s.parked},
            {"dropped", s.dropped},
            {"last_success", s.last_success ? json(toSeconds(*s.last_success)) : json(nullptr)},
            {"last_error", s.last_error}};
  }

  IncidentContext incidentContext() {
    return {incident_store.get(), manager.get(), clock, config.node_id, store_error, &evaluator};
  }

  json dbStatusJson() const {
    json instances = json::array();
    for (const auto& db : databases) {
      const auto& h = db->health();
      json metrics = json::object();
      for (const auto& smp : h.latest) {
        std::string key(smp.metric->name.substr(std::string_view("novacron_pg_").size()));
        for (const auto& l : smp.labels) {
          if (l.name != "instance") key += "{" + l.name + "=" + l.value + "}";
        }
        metrics[key] = smp.value;
      }
      instances.push_back({{"name", h.name},
                           {"up", h.up},
                           {"error", h.up ? "" : h.last_error},
                           {"metrics", metrics}});
    }
    json out = {{"instances", instances}};
    if (databases.empty())
      out["message"] = "no PostgreSQL instance is configured (collectors.postgres)";
    return out;
  }

  void startDatabases() {
    for (auto& db : databases) db->stop();
    databases.clear();
    for (const auto& pg : config.postgres) {
      databases.push_back(std::make_unique<collectors::PostgresCollector>(
          io, clock, pg,
          [this](TimePoint t, std::vector<collectors::Sample> s) { store.append(t, s); }));
      databases.back()->start();
    }
  }

  bool paused() const {
    if (!incident_store) return false;
    auto p = incident_store->state("paused");
    return p && p->value_or("false") == "true";
  }

  json decisionJson(const policy::Decision& d) const {
    return {{"at", toSeconds(d.at)},  {"kind", policy::decisionName(d.kind)},
            {"playbook", d.playbook}, {"labels", policy::labelsToJson(d.labels)},
            {"severity", d.severity}, {"action", d.action},
            {"reason", d.reason},     {"dry_run", d.dry_run}};
  }

  json policyJson() const {
    json open = json::array();
    for (const auto& o : evaluator.open()) {
      open.push_back({{"playbook", o.playbook},
                      {"labels", policy::labelsToJson(o.labels)},
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

  json playbooksJson() const {
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
           {"for", policy::formatDuration(p.for_duration)},
           {"source", p.builtin ? "builtin" : p.pos.str()},
           {"firing", policy_stats.firing.count(p.name) ? policy_stats.firing.at(p.name) : 0},
           {"actions", actions}});
    }
    return out;
  }

  json metricsJson(const std::string& match) const {
    json out = json::array();
    std::deque<std::vector<collectors::Sample>> owned;
    for (const auto* batch : latestBatches(owned)) {
      for (const auto& s : *batch) {
        if (!match.empty() && s.metric->name.find(match) == std::string_view::npos) continue;
        out.push_back({{"name", s.metric->name},
                       {"labels", policy::labelsToJson(s.labels)},
                       {"value", s.value}});
      }
    }
    return out;
  }

  std::string handleControl(std::string_view line, const PeerCredentials& peer) {
    auto req = decodeControlRequest(line);
    if (!req) return errorReply("bad_request", req.error().message);
    const std::string& cmd = req->cmd;
    const json& args = req->args;
    logDebug("control: " + cmd + " from uid " + std::to_string(peer.uid) + " pid " +
             std::to_string(peer.pid));
    Role role = access.roleOf(peer);
    if (role == Role::kNone) {
      return errorReply("permission_denied",
                        "uid " + std::to_string(peer.uid) +
                            " is not in the control socket's group; ask an administrator");
    }
    if (changesState(cmd) && role != Role::kAdmin) {
      return errorReply("permission_denied",
                        cmd + " changes the agent's state: it needs root or the admin group" +
                            (config.control_admin_group ? " (" + *config.control_admin_group + ")"
                                                        : std::string()));
    }
    json data;
    if (cmd == "version") {
      data = {{"version", kVersion}};
    } else if (cmd == "status" || cmd == "health") {
      data = statusJson();
    } else if (cmd == "playbooks") {
      data = playbooksJson();
    } else if (cmd == "diagnostics") {
      data = actions::diagnosticsReport(store, clock.now(), "");
    } else if (cmd == "logs") {
      return logsCommand(args);
    } else if (cmd == "db_status") {
      data = dbStatusJson();
    } else if (cmd == "trigger") {
      return triggerCommand(args, peer);
    } else if (cmd == "incidents" || cmd == "incident" || cmd == "postmortem" || cmd == "approve" ||
               cmd == "deny" || cmd == "ack" || cmd == "pause" || cmd == "resume") {
      return incidentCommand(cmd, args, peer);
    } else if (cmd == "metrics") {
      if (args.contains("match") && !args["match"].is_string()) {
        return errorReply("bad_request", "\"match\" must be a string");
      }
      data = metricsJson(args.value("match", ""));
    } else {
      return errorReply("unknown_command",
                        "unknown command '" + cmd +
                            "'; known: status, health, metrics, playbooks, incidents, incident, "
                            "postmortem, trigger, approve, deny, ack, pause, resume, diagnostics, "
                            "db_status, logs, version");
    }
    return jsonText(json{{"ok", true}, {"data", data}});
  }

  // `logs`: the agent's own recent lines; {"errors": true} for warnings and worse, "since" in
  // seconds.
  std::string logsCommand(const json& args) {
    auto back = secondsArg(args, "since");
    if (!back || (args.contains("errors") && !args["errors"].is_boolean())) {
      return errorReply("bad_request",
                        "\"since\" is a number of seconds (0 to 10 years), \"errors\" a boolean");
    }
    auto since = std::chrono::system_clock::now() - back->value_or(std::chrono::hours(1));
    json lines = json::array();
    for (const auto& e :
         recentLogs(args.value("errors", false) ? LogLevel::kWarning : LogLevel::kDebug, since)) {
      lines.push_back({{"at", std::chrono::duration<double>(e.at.time_since_epoch()).count()},
                       {"level", logLevelName(e.level)},
                       {"message", e.message}});
    }
    return jsonText(json{{"ok", true}, {"data", lines}});
  }

  // `trigger`: opens an incident by hand, as the runbook's incident-response script does.
  std::string triggerCommand(const json& args, const PeerCredentials& peer) {
    std::string why;
    auto t = readTrigger(args, why);
    if (!t) return errorReply("bad_request", why);
    if (t->playbook.empty()) return errorReply("bad_request", "trigger needs \"playbook\"");
    std::string who = peerName(peer.uid);
    CommandReply reply = trigger(incidentContext(), *t, {who, who});
    if (!reply.ok()) return errorReply(reply.code, reply.message);
    return jsonText(json{{"ok", true}, {"data", reply.data}});
  }

  // Commands on incidents; the peer is named on the timeline of those that change something.
  std::string incidentCommand(const std::string& cmd, const json& args,
                              const PeerCredentials& peer) {
    std::string who = peerName(peer.uid);
    auto str = [&](const char* key) {
      return args.contains(key) && args[key].is_string() ? args[key].get<std::string>()
                                                         : std::string();
    };
    IncidentContext c = incidentContext();
    CommandReply reply;
    if (cmd == "incidents") {
      // Open ones by default; {"all": true} for every one, "since" in seconds back.
      auto back = secondsArg(args, "since");
      if (!back || (args.contains("all") && !args["all"].is_boolean())) {
        return errorReply("bad_request",
                          "\"since\" is a number of seconds (0 to 10 years), \"all\" a boolean");
      }
      std::optional<TimePoint> since;
      if (*back) since = clock.now() - **back;
      reply = listIncidents(c, since, args.value("all", false));
    } else if (cmd == "pause" || cmd == "resume") {
      reply = setPaused(c, cmd == "pause", who, str("reason"));
    } else if (str("id").empty()) {
      return errorReply("bad_request", cmd + " needs \"id\"");
    } else if (cmd == "incident") {
      reply = showIncident(c, str("id"));
    } else if (cmd == "postmortem") {
      reply = postmortem(c, str("id"));
    } else {
      reply = decide(c, cmd, str("id"), str("action"), {who, who}, str("reason"));
    }
    if (!reply.ok()) return errorReply(reply.code, reply.message);
    return jsonText(json{{"ok", true}, {"data", reply.data}});
  }

  // --- lifecycle ----------------------------------------------------------------------------

  void applyCollectorOptions(const policy::Config& next) {
    bool host_changed = next.collectors_root != config.collectors_root ||
                        next.disk_exclude_fstypes != config.disk_exclude_fstypes ||
                        next.disk_statfs_timeout != config.disk_statfs_timeout;
    if (host_changed) {
      // New collectors start without baselines: one sweep without rates, then normal.
      host = CollectorGroup("host", makeHostCollectors(next, deps));
    }
    if (next.collectors_root != config.collectors_root) {
      processes = CollectorGroup("processes", makeProcessCollectors(next, deps));
    } else if (next.processes_top != config.processes_top) {
      for (const auto& c : processes.collectors()) {
        if (auto* p = dynamic_cast<collectors::ProcessesCollector*>(c.get()))
          p->setTop(next.processes_top);
      }
    }
  }

  void reloadConfig() {
    notifyReloading();
    if (!config_file) {
      logNotice("SIGHUP: running on embedded defaults; nothing to reload");
      notifyReady("sampling");
      return;
    }
    logInfo("SIGHUP: reloading " + config_file->string());
    policy::ConfigResult loaded = policy::loadConfig(*config_file, env);
    if (!loaded.config) {
      for (const auto& d : loaded.errors) logError(d.str());
      logError("reload failed; keeping the running configuration");
      reload.successful = false;
      notifyReady("sampling; last reload failed");
      return;
    }
    policy::Config next = std::move(*loaded.config);
    policy::PolicyLoad next_policy = loadAgentPolicy(next, env);
    if (!next_policy.policy) {
      for (const auto& d : next_policy.errors) logError(d.str());
      logError(
          "reload failed: the playbooks have errors; keeping the running configuration and "
          "playbooks");
      reload.successful = false;
      notifyReady("sampling; last reload failed");
      return;
    }
    if (!(next.http_listen.host == config.http_listen.host &&
          next.http_listen.port == config.http_listen.port)) {
      logWarning("http.listen changed to " + next.http_listen.str() +
                 "; it takes effect at restart");
      next.http_listen = config.http_listen;
    }
    if (next.http_tls_cert != config.http_tls_cert || next.http_tls_key != config.http_tls_key) {
      logWarning("http.tls changes take effect at restart");
      next.http_tls_cert = config.http_tls_cert;
      next.http_tls_key = config.http_tls_key;
    }
    if (next.state_dir != config.state_dir ||
        next.control_socket_path != config.control_socket_path) {
      logWarning("state_dir and control_socket.path changes take effect at restart");
      next.state_dir = config.state_dir;
      next.control_socket_path = config.control_socket_path;
    }
    applyCollectorOptions(next);
    store.setRetention(next.metrics_retention);
    setLogLevel(next.log_level);
    bool reschedule = next.host_interval != config.host_interval ||
                      next.processes_interval != config.processes_interval;
    if (next.record_path != config.record_path ||
        next.record_max_bytes != config.record_max_bytes) {
      recorder.reset();
      if (next.record_path) recorder.emplace(*next.record_path, next.record_max_bytes);
    }
    for (const auto& w : next_policy.warnings) logWarning(w.str());
    policy::Config previous = std::move(config);
    config = std::move(next);
    evaluator.setOptions(evaluatorOptions(config));
    evaluator.setPolicy(next_policy.policy);
    if (manager) {
      manager->setPolicy(next_policy.policy);
      manager->setOptions(managerOptions());
    }
    if (reporter) reporter->setOptions(reporterOptions());
    if (alerts) {
      alerts->setOptions(alertmanagerOptions());
      alerts->setDescriptions(playbookDescriptions());
    }
    if (config.http_token_file != previous.http_token_file ||
        config.http_tokens != previous.http_tokens)
      api_token.setTokens(apiTokens(config));
    // Unchanged probes and databases keep their connections, windows and rate baselines.
    if (config.probes != previous.probes) probe_set.configure(config.probes);
    if (config.postgres != previous.postgres) startDatabases();
    updatePolicyStats();
    if (reschedule) {
      host_timer.cancel();
      processes_timer.cancel();
      scheduleHost(std::chrono::steady_clock::now());
      scheduleProcesses(std::chrono::steady_clock::now());
    }
    reload = {true, clock.now()};
    logInfo("configuration reloaded: " + std::to_string(policy_stats.playbooks_enabled) +
            " playbooks enabled");
    notifyReady("sampling");
  }

  void waitSignal() {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (!guarded("the reload", [this] { reloadConfig(); })) {
          reload.successful = false;
          notifyReady("sampling; last reload failed");
        }
        waitSignal();
        return;
      }
      logInfo(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
      notifyStopping();
      stopping = true;
      if (manager) manager->shutdown();
      // Anything an action left that escaped its process group is in its cgroup.
      containment.tearDown();
      if (reporter) reporter->stop();
      if (alerts) alerts->stop();
      probe_set.stop();
      for (auto& db : databases) db->stop();
      http.stop();
      control.stop();
      host_timer.cancel();
      processes_timer.cancel();
      watchdog_timer.cancel();
      io.stop();
    });
  }

  // Once an hour, resolved and escalated incidents past store.retention go, with their events.
  void purgeOldIncidents(TimePoint now) {
    if (now - last_purge < std::chrono::hours(1)) return;
    last_purge = now;
    // With a coordinator, an incident whose events it has not had yet stays.
    if (auto n = incident_store->purgeResolvedBefore(now - config.store_retention,
                                                     !config.coordinator_url.empty());
        !n) {
      logError(n.error().message);
    } else if (*n > 0) {
      logInfo("purged " + std::to_string(*n) + " incident(s) older than " +
              policy::formatDuration(config.store_retention));
    }
  }

  // A random id made once per store, which marks the processes of its action runs.
  std::string storeId() {
    if (auto id = incident_store->state("store_id"); id && *id) return **id;
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%08x%08x", rd(), rd());
    if (auto r = incident_store->setState("store_id", buf); !r) logError(r.error().message);
    return buf;
  }

  ReporterOptions reporterOptions() const {
    ReporterOptions o;
    o.url = config.coordinator_url;
    o.token_file = config.coordinator_token_file;
    o.timeout = config.coordinator_timeout;
    o.batch_size = config.coordinator_batch_size;
    o.max_events = config.outbox_max_events;
    o.backoff_max = config.coordinator_backoff_max;
    o.node_id = config.node_id;
    o.node_labels = config.node_labels;
    o.store_id = store_id;
    return o;
  }

  AlertmanagerOptions alertmanagerOptions() const {
    return {config.alertmanager_url, config.alertmanager_resend_interval,
            config.alertmanager_timeout, config.node_id, config.node_labels};
  }

  std::map<std::string, std::string> playbookDescriptions() const {
    std::map<std::string, std::string> out;
    for (const auto& p : evaluator.policy().playbooks) out[p.name] = p.description;
    return out;
  }

  ManagerOptions managerOptions() {
    ManagerOptions o;
    o.store_id = store_id;
    o.containment = &containment;
    o.node_id = config.node_id;
    o.dry_run = config.dry_run;
    o.approval_timeout = config.approval_timeout;
    o.limits.max_concurrent = config.max_concurrent_actions;
    o.limits.max_per_hour = config.max_actions_per_hour;
    o.observe = [this](const std::string& kind, const std::string& playbook, int severity,
                       double seconds) { events.incidentTime(kind, playbook, severity, seconds); };
    o.actions.node_id = config.node_id;
    o.actions.node_labels = config.node_labels;
    o.actions.evidence_dir = config.evidenceDir();
    o.actions.systemctl = config.systemctl;
    o.actions.notify = {config.notify_url, config.notify_token_file, config.notify_timeout};
    o.actions.postgres = config.postgres;
    return o;
  }

  // Where action processes are held: a cgroup per run when one can be made. Said once, in the
  // log, on /metrics and in novacron status.
  void setUpContainment() {
    containment = actions::Containment::setUp(store_id);
    events.containment(actions::containmentName(containment.mode()));
    (containment.mode() == actions::ContainmentMode::kProcessGroup ? logWarning : logInfo)(
        "action containment: " + containment.description());
  }

  // The incident store. Without it the agent still samples and decides, and says loudly that it
  // records and runs nothing (log, /healthz, novacron status).
  void openIncidentStore() {
    auto opened = Store::open(config.state_dir / "agent.db");
    if (!opened) {
      store_error = opened.error().message;
      logError(store_error + "; incidents are not recorded and no action will run");
      return;
    }
    incident_store = std::move(opened).value();
    TimePoint now = clock.now();
    store_id = storeId();
    setUpContainment();
    // What a killed predecessor left in its runs' cgroups is ended first, run by run.
    std::map<int64_t, size_t> left;
    for (const auto& [name, n] : containment.endLeftovers()) {
      int64_t id = 0;
      std::from_chars(name.data() + std::min<size_t>(name.size(), 4), name.data() + name.size(),
                      id);
      left[id] += n;
    }
    if (auto runs = incident_store->markInterruptedRuns(now); runs && !runs->empty()) {
      logWarning(std::to_string(runs->size()) +
                 " action run(s) were interrupted by the last stop; they are not re-run");
      // A kill -9 left their children running: end them before anything else starts.
      for (const auto& run : *runs) {
        // Their cgroup; and by the recorded process group. Without cgroups, also by the marker
        // in the environment, for a child the agent was killed too early to record.
        int n = static_cast<int>(left[run.id]);
        left.erase(run.id);
        n += run.pid > 0 ? actions::endOrphanGroup(run.pid, run.pid_start) : 0;
        if (containment.mode() == actions::ContainmentMode::kProcessGroup)
          n += actions::endMarkedProcesses(actions::runMarker(store_id, run.id));
        if (n > 0) {
          logWarning("ended " + std::to_string(n) + " process(es) left by run " +
                     std::to_string(run.id) + " (" + run.action + ")");
          (void)incident_store->appendEvent(
              run.incident_id, now, "orphans_ended",
              jsonText(json{{"run", run.id}, {"action", run.action}, {"processes", n}}));
        }
      }
    } else if (!runs) {
      logError(runs.error().message);
    }
    for (const auto& [run, n] : left) {
      if (n > 0)
        logWarning("ended " + std::to_string(n) + " process(es) left in the cgroup of run " +
                   std::to_string(run));
    }
    if (auto n = incident_store->expirePendingApprovals(now, "the agent restarted"); n && *n > 0) {
      logWarning(std::to_string(*n) + " pending approval(s) expired with the restart (denied)");
    }
    // Incidents the last run left open are handed to a human rather than resumed blind: the
    // policy opens a new one if the condition still holds.
    if (auto open = incident_store->openIncidents()) {
      for (const auto& inc : *open) {
        (void)incident_store->updateIncident(inc.id, "escalated", inc.severity, inc.acknowledged_at,
                                             now);
        (void)incident_store->appendEvent(
            inc.id, now, "escalated",
            jsonText(json{{"reason", "the agent restarted during the incident"}}));
      }
    }
    manager =
        std::make_unique<IncidentManager>(io, *incident_store, clock, store, managerOptions());
    manager->setPolicy(evaluator.policyPtr());
    manager->onClosed(
        [this](const std::string& p, const collectors::Labels& l) { evaluator.close(p, l); });
    auto paused = incident_store->state("paused");
    bool on = paused && paused->value_or("false") == "true";
    manager->setPaused(on);
    if (on) logWarning("the kill switch is on: automated actions are paused");
    reporter = std::make_unique<Reporter>(io, *incident_store, clock, reporterOptions());
    alerts =
        std::make_unique<AlertmanagerPusher>(io, *incident_store, clock, alertmanagerOptions());
    alerts->setDescriptions(playbookDescriptions());
    incident_store->onAppend([this] {
      reporter->wake();
      alerts->wake();
    });
  }

  int run() {
    setLogLevel(config.log_level);
    auto dir = StateDir::open(config.state_dir);
    if (!dir) {
      logError(dir.error().message);
      return 1;
    }
    state_dir.emplace(std::move(*dir));
    openIncidentStore();
    api_token.setTokens(apiTokens(config));
    if (config.http_tls_cert && config.http_tls_key) {
      if (auto r = http.enableTls(*config.http_tls_cert, *config.http_tls_key); !r) {
        logError(r.error().message);
        return 1;
      }
    }
    // Scrapes, health checks and the coordinator keep slots of their own: no other client can
    // lock them out of the agent.
    http.setPriority([this](const HttpRequest& r) {
      if (r.path == "/metrics" || r.path == "/healthz") return true;
      auto auth = r.headers.find("authorization");
      return r.path.starts_with("/v1/") && auth != r.headers.end() &&
             api_token.check(auth->second) == BearerToken::Check::kOk;
    });
    if (auto r = http.listen(config.http_listen); !r) {
      logError(r.error().message);
      return 1;
    }
    access.agent_uid = ::geteuid();
    access.reader_gid = ::getegid();
    std::optional<gid_t> socket_group;
    if (config.control_group) {
      if (struct group* g = ::getgrnam(config.control_group->c_str())) {
        access.reader_gid = g->gr_gid;
        socket_group = g->gr_gid;
      }
    }
    if (config.control_admin_group) {
      if (struct group* g = ::getgrnam(config.control_admin_group->c_str()))
        access.admin_gid = g->gr_gid;
    }
    if (auto r = control.listen(config.control_socket_path, 0660, socket_group); !r) {
      logError(r.error().message);
      return 1;
    }
    // The first sweep runs before READY, so /metrics has data the moment systemd says started.
    sweepHost();
    sweepProcesses();
    auto now = std::chrono::steady_clock::now();
    scheduleHost(now);
    scheduleProcesses(now);
    if (auto period = watchdogPeriod()) scheduleWatchdog(*period);
    waitSignal();
    logInfo("novacron-agent " + std::string(kVersion) + " node " + config.node_id +
            ": sampling every " + policy::formatDuration(config.host_interval) + ", http on " +
            config.http_listen.host + ":" + std::to_string(http.port()) + ", control socket " +
            config.control_socket_path.string() + ", state in " + config.state_dir.string() + ", " +
            std::to_string(policy_stats.playbooks_enabled) + " playbooks enabled" +
            (config.dry_run ? " (dry-run)" : ""));
    notifyReady("sampling");
    // Probes start with the loop: a check's timeout must not run while start-up blocks it.
    probe_set.configure(config.probes);
    startDatabases();
    // Delivery starts with the loop too: a coordinator or Alertmanager that is down or slow never
    // holds up start-up.
    if (reporter) reporter->start();
    if (alerts) alerts->start();
    // Every handler guards itself; this is the net under them. After an exception run() may
    // simply be called again.
    for (bool done = false; !done;) {
      done = guarded("the event loop", [this] { io.run(); });
    }
    logInfo("stopped");
    return 0;
  }
};

Agent::Agent(policy::Config config, policy::PolicyPtr policy,
             std::optional<std::filesystem::path> config_file, policy::ConfigEnv env,
             CollectorDeps deps)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(policy), std::move(config_file),
                                   std::move(env), std::move(deps))) {}

Agent::~Agent() = default;

int Agent::run() { return impl_->run(); }

}  // namespace novacron::agent
