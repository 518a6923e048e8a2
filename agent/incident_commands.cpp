#include "agent/incident_commands.h"

#include "agent/base/json_text.h"
#include "agent/base/log.h"
#include "agent/incident_manager.h"
#include "agent/postmortem.h"
#include "agent/store.h"

namespace novacron::agent {

using json = nlohmann::json;

namespace {

CommandReply unavailable(const IncidentContext& c) {
  return CommandReply::error("unavailable", "the incident store is not open: " + c.store_error);
}

json eventJson(const EventRecord& e) {
  return {{"seq", e.seq},
          {"incident", e.incident_id},
          {"at", toSeconds(e.at)},
          {"kind", e.kind},
          {"data", json::parse(e.data, nullptr, false)}};
}

// The incident `id`, or in `err` why there is none to show.
std::optional<IncidentRecord> lookup(const IncidentContext& c, const std::string& id,
                                     CommandReply& err) {
  auto rec = c.store->incident(id);
  if (!rec)
    err = CommandReply::error("store", rec.error().message);
  else if (!*rec)
    err = CommandReply::error("not_found", "no incident " + id);
  return rec ? *rec : std::nullopt;
}

// Its timeline and action runs, as the detail and the post-mortem show them.
struct History {
  std::vector<EventRecord> timeline;
  std::vector<ActionRunRecord> runs;
};
std::optional<History> history(const IncidentContext& c, const std::string& id, CommandReply& err) {
  auto timeline = c.store->timeline(id);
  auto runs = c.store->actionRuns(id);
  if (!timeline || !runs) {
    err = CommandReply::error("store", "cannot read the timeline of " + id);
    return std::nullopt;
  }
  return History{std::move(*timeline), std::move(*runs)};
}

}  // namespace

json incidentJson(const IncidentRecord& r) {
  return json{
      {"id", r.id},
      {"playbook", r.playbook},
      {"labels", json::parse(r.labels, nullptr, false)},
      {"severity", r.severity},
      {"category", r.category},
      {"state", r.state},
      {"dry_run", r.dry_run},
      {"triggered_by", r.triggered_by.empty() ? json(nullptr) : json(r.triggered_by)},
      {"opened_at", toSeconds(r.opened_at)},
      {"acknowledged_at", r.acknowledged_at ? json(toSeconds(*r.acknowledged_at)) : json(nullptr)},
      {"resolved_at", r.resolved_at ? json(toSeconds(*r.resolved_at)) : json(nullptr)}};
}

CommandReply listIncidents(const IncidentContext& c, std::optional<TimePoint> since, bool all) {
  if (!c.store) return unavailable(c);
  auto list = c.store->incidents(since.value_or(TimePoint{}), !all, 1000);
  if (!list) return CommandReply::error("store", list.error().message);
  json out = json::array();
  for (const auto& r : *list) out.push_back(incidentJson(r));
  return {out, "", ""};
}

CommandReply incidentsAfter(const IncidentContext& c, int64_t after, size_t limit) {
  if (!c.store) return unavailable(c);
  auto events = c.store->eventsAfter(after, limit);
  if (!events) return CommandReply::error("store", events.error().message);
  json list = json::array();
  json incidents = json::object();
  for (const auto& e : *events) {
    list.push_back(eventJson(e));
    if (incidents.contains(e.incident_id)) continue;
    auto rec = c.store->incident(e.incident_id);
    if (!rec) return CommandReply::error("store", rec.error().message);
    if (*rec) incidents[e.incident_id] = incidentJson(**rec);
  }
  int64_t next = events->empty() ? after : events->back().seq;
  return {{{"events", list}, {"incidents", incidents}, {"next", next}}, "", ""};
}

CommandReply showIncident(const IncidentContext& c, const std::string& id) {
  if (!c.store) return unavailable(c);
  CommandReply err;
  auto rec = lookup(c, id, err);
  if (!rec) return err;
  auto h = history(c, id, err);
  if (!h) return err;
  auto approvals = c.store->approvals(id);
  if (!approvals) return CommandReply::error("store", approvals.error().message);
  json events = json::array();
  for (const auto& e : h->timeline) {
    json j = eventJson(e);
    j.erase("incident");
    events.push_back(std::move(j));
  }
  json jruns = json::array();
  for (const auto& r : h->runs) {
    jruns.push_back(
        {{"id", r.id},
         {"action", r.action},
         {"type", r.type},
         {"state", r.state},
         {"started_at", toSeconds(r.started_at)},
         {"finished_at", r.finished_at ? json(toSeconds(*r.finished_at)) : json(nullptr)}});
  }
  json japprovals = json::array();
  for (const auto& a : *approvals) {
    japprovals.push_back(
        {{"action", a.action},
         {"state", a.state},
         {"requested_at", toSeconds(a.requested_at)},
         {"expires_at", toSeconds(a.expires_at)},
         {"decided_at", a.decided_at ? json(toSeconds(*a.decided_at)) : json(nullptr)},
         {"decided_by", a.decided_by},
         {"reason", a.reason}});
  }
  json out = incidentJson(*rec);
  out["timeline"] = events;
  out["action_runs"] = jruns;
  out["approvals"] = japprovals;
  return {out, "", ""};
}

CommandReply postmortem(const IncidentContext& c, const std::string& id) {
  if (!c.store) return unavailable(c);
  CommandReply err;
  auto rec = lookup(c, id, err);
  if (!rec) return err;
  auto h = history(c, id, err);
  if (!h) return err;
  return {{{"markdown", postmortemDraft(c.node_id, *rec, h->timeline, h->runs, c.clock.now())}},
          "",
          ""};
}

CommandReply decide(const IncidentContext& c, const std::string& cmd, const std::string& id,
                    const std::string& action, const std::string& who, const std::string& reason) {
  if (!c.store || !c.manager) return unavailable(c);
  if (CommandReply err; !lookup(c, id, err)) return err;
  Result<void> r = cmd == "ack"       ? c.manager->acknowledge(id, who)
                   : cmd == "approve" ? c.manager->approve(id, action, who, reason)
                                      : c.manager->deny(id, action, who, reason);
  if (!r) {
    const char* code = r.error().code == ErrorCode::kPermission ? "permission_denied"
                       : r.error().code == ErrorCode::kNotFound ? "not_found"
                                                                : "invalid";
    return CommandReply::error(code, r.error().message);
  }
  return {{{"id", id}, {"by", who}}, "", ""};
}

CommandReply setPaused(const IncidentContext& c, bool pause, const std::string& who,
                       const std::string& reason) {
  if (!c.store) return unavailable(c);
  if (auto r = c.store->setState("paused", pause ? "true" : "false"); !r) {
    return CommandReply::error("store", r.error().message);
  }
  if (c.manager) c.manager->setPaused(pause);
  logWarning(std::string(pause ? "kill switch on" : "kill switch off") + " by " + who +
             (reason.empty() ? "" : ": " + reason));
  // On the timeline of every open incident: it changes what happens to them.
  if (auto open = c.store->openIncidents()) {
    for (const auto& inc : *open) {
      (void)c.store->appendEvent(inc.id, c.clock.now(), pause ? "paused" : "resumed",
                                 jsonText(json{{"by", who}, {"reason", reason}}));
    }
  }
  return {{{"paused", pause}, {"by", who}}, "", ""};
}

}  // namespace novacron::agent
