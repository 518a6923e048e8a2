#include "incidents/incident_commands.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "actions/action.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/text.h"
#include "incidents/incident_manager.h"
#include "incidents/postmortem.h"
#include "incidents/store.h"
#include "policy/evaluator.h"
#include "policy/substitute.h"

namespace novacron::incidents {

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
      {"state", incidentStateName(r.state)},
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
         {"state", actions::runStateName(r.state)},
         {"started_at", toSeconds(r.started_at)},
         {"finished_at", r.finished_at ? json(toSeconds(*r.finished_at)) : json(nullptr)}});
  }
  json japprovals = json::array();
  for (const auto& a : *approvals) {
    japprovals.push_back(
        {{"action", a.action},
         {"state", approvalStateName(a.state)},
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
                    const std::string& action, const Requester& who, const std::string& reason) {
  if (!c.store || !c.manager) return unavailable(c);
  if (CommandReply err; !lookup(c, id, err)) return err;
  Result<void> r = cmd == "ack" ? c.manager->acknowledge(id, who.name)
                   : cmd == "approve"
                       ? c.manager->approve(id, action, who.identity, reason, who.name)
                       : c.manager->deny(id, action, who.identity, reason, who.name);
  if (!r) {
    const char* code = r.error().code == ErrorCode::kPermission ? "permission_denied"
                       : r.error().code == ErrorCode::kNotFound ? "not_found"
                                                                : "invalid";
    return CommandReply::error(code, r.error().message);
  }
  return {{{"id", id}, {"by", who.name}}, "", ""};
}

namespace {

bool validLabelName(const std::string& n) {
  return !n.empty() && n.size() <= 64 && !std::isdigit(static_cast<unsigned char>(n[0])) &&
         !n.starts_with("__") && std::all_of(n.begin(), n.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
         });
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

std::optional<TriggerRequest> readTrigger(const json& args, std::string& why) {
  TriggerRequest t;
  if (args.contains("playbook")) {
    if (!args["playbook"].is_string()) {
      why = "\"playbook\" must be a string";
      return std::nullopt;
    }
    t.playbook = args["playbook"].get<std::string>();
  }
  if (args.contains("reason")) {
    if (!args["reason"].is_string() || args["reason"].get<std::string>().size() > 1000) {
      why = "\"reason\" must be a string of at most 1000 bytes";
      return std::nullopt;
    }
    t.reason = args["reason"].get<std::string>();
  }
  if (args.contains("dry_run")) {
    if (!args["dry_run"].is_boolean()) {
      why = "\"dry_run\" must be true or false";
      return std::nullopt;
    }
    t.dry_run = args["dry_run"].get<bool>();
  }
  if (args.contains("labels")) {
    if (!args["labels"].is_object() || args["labels"].size() > 32) {
      why = "\"labels\" must be an object of at most 32 NAME: VALUE strings";
      return std::nullopt;
    }
    for (const auto& [name, value] : args["labels"].items()) {
      if (!validLabelName(name)) {
        why = "label name '" + quoteForMessage(name, 64) +
              "' must be letters, digits and '_' (a Prometheus label name)";
        return std::nullopt;
      }
      if (!value.is_string() || value.get<std::string>().size() > 1024) {
        why = "label " + name + " must be a string of at most 1024 bytes";
        return std::nullopt;
      }
      const std::string& v = value.get_ref<const std::string&>();
      if (std::any_of(v.begin(), v.end(), [](char ch) { return isControl(ch); })) {
        why = "label " + name + " holds a control character";
        return std::nullopt;
      }
      t.labels.push_back({name, v});
    }
  }
  metrics::sortLabels(t.labels);
  return t;
}

CommandReply trigger(const IncidentContext& c, const TriggerRequest& t, const Requester& who) {
  if (!c.store || !c.manager || !c.evaluator) return unavailable(c);
  const policy::Playbook* p = c.evaluator->policy().find(t.playbook);
  if (!p) return CommandReply::error("invalid", "no playbook named '" + t.playbook + "'");
  std::set<std::string> needed, given;
  for (const auto& a : p->actions) {
    auto names = policy::labelsUsed(a.with);
    needed.insert(names.begin(), names.end());
  }
  for (const auto& l : t.labels) given.insert(l.name);
  for (const auto& n : needed) {
    if (!given.count(n))
      return CommandReply::error("bad_request", t.playbook + " needs --label " + n +
                                                    "=VALUE (its labels: " + joined(needed) + ")");
  }
  for (const auto& n : given) {
    if (!needed.count(n))
      return CommandReply::error("bad_request", t.playbook + " uses no label '" + n +
                                                    "' (its labels: " + joined(needed) + ")");
  }
  // Every action's templates, filled with these labels, must make a valid run.
  std::map<std::string, std::string> values;
  for (const auto& a : p->actions) {
    std::set<std::string> names;
    auto collect = [&](auto&& self, const json& j) -> void {
      if (j.is_string()) {
        if (auto ps = policy::placeholders(j.get<std::string>()))
          names.insert(ps->begin(), ps->end());
      } else if (j.is_structured()) {
        for (const auto& item : j) self(self, item);
      }
    };
    collect(collect, a.with);
    for (const auto& n : names) values[n] = "x";
  }
  for (const auto& l : t.labels) values["labels." + l.name] = l.value;
  for (const auto& a : p->actions) {
    if (auto r = actions::checkValues(a, values); !r)
      return CommandReply::error("bad_request", "action " + a.id + ": " + r.error().message);
  }
  for (const auto& a : p->actions) {
    if (auto r = actions::checkLabels(*p, a, values, false); !r)
      return CommandReply::error("bad_request", "action " + a.id + ": " + r.error().message);
  }
  auto decisions = c.evaluator->trigger(
      t.playbook, t.labels, "triggered by " + who.name + (t.reason.empty() ? "" : ": " + t.reason),
      c.clock.now());
  if (!decisions) return CommandReply::error("invalid", decisions.error().message);
  for (auto& d : *decisions) {
    d.by = who.identity;
    d.dry_run = d.dry_run || t.dry_run;
  }
  c.manager->handle(*decisions);
  auto id = c.manager->incidentFor(t.playbook, t.labels);
  if (!id) {
    // Not recorded (the store, or a bug): the manager does not hold it, so the evaluator lets it
    // be triggered again when next asked.
    return CommandReply::error("store", "the incident could not be recorded; see novacron logs");
  }
  std::string labels;
  for (const auto& l : t.labels) labels += (labels.empty() ? " " : ", ") + l.name + "=" + l.value;
  // The log escapes what the labels and the reason hold: they stay in this one line.
  logWarning("incident " + *id + " triggered by " + who.name + labels +
             (t.reason.empty() ? "" : ": " + t.reason));
  return {{{"id", *id}, {"by", who.name}}, "", ""};
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

}  // namespace novacron::incidents
