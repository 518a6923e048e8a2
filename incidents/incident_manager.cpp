#include "incidents/incident_manager.h"
#include "policy/validation.h"

#include "actions/registry.h"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "actions/diagnostics_report.h"
#include "base/duration.h"
#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"
#include "incidents/incident.h"
#include "io/orphans.h"
#include "metrics/labels_json.h"
#include "policy/escalation.h"
#include "policy/notify_templates.h"

namespace novacron::incidents {

using json = nlohmann::json;
using policy::Decision;
using policy::DecisionKind;

namespace {

std::string keyOf(const std::string& playbook, const metrics::Labels& labels) {
  return playbook + jsonText(metrics::labelsToJson(labels));
}

}  // namespace

IncidentManager::IncidentManager(boost::asio::io_context& io, Store& store, const Clock& clock,
                                 const metrics::MetricStore& metrics, ManagerOptions options)
    : io_(io),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      policy_(std::make_shared<policy::PolicySet>()),
      limits_(options_.limits),
      alive_(std::make_shared<bool>(true)),
      workers_(std::make_unique<boost::asio::thread_pool>(1)),
      env_(std::make_unique<actions::ActionEnv>(actions::ActionEnv{
          io_, *workers_, metrics_, options_.actions, options_.containment, options_.broker})) {
  // An empty id made every manager's first run "/1": in a test suite run in parallel, one
  // manager's clean-up after its run 1 killed another's run 1 as it started.
  if (options_.store_id.empty()) options_.store_id = io::newStoreId();
}

IncidentManager::~IncidentManager() {
  *alive_ = false;
  workers_->join();
}

void IncidentManager::setOptions(ManagerOptions options) {
  // The action env refers to options_.actions, which stays the same object; the containment
  // is the agent's for its whole life.
  options_ = std::move(options);
  env_->containment = options_.containment;
  env_->broker = options_.broker;
  limits_.setOptions(options_.limits);
}

std::string IncidentManager::newId(TimePoint now) {
  // node id, UTC time to the second, and a counter: unique across the fleet, sorted by time.
  return options_.node_id + "-" + formatUtc(now, "%Y%m%dT%H%M%SZ") + "-" +
         std::to_string(++counter_);
}

const policy::Playbook* IncidentManager::playbook(const Incident& inc) const {
  return policy_->find(inc.rec.playbook);
}

void IncidentManager::writeFailed(const std::string& what, const Error& error) {
  // A full disk or a read-only state dir: said once, then shown in /healthz until it heals.
  if (store_error_.empty()) logError(what + ": " + error.message);
  store_error_ = error.message;
}

void IncidentManager::writeSucceeded() {
  if (store_error_.empty()) return;
  logNotice("the incident store accepts writes again");
  store_error_.clear();
}

void IncidentManager::event(const Incident& inc, const std::string& kind, const json& data) {
  auto r = store_.appendEvent(inc.rec.id, clock_.now(), kind, jsonText(data));
  if (!r)
    writeFailed("incident " + inc.rec.id + ": cannot record " + kind, r.error());
  else
    writeSucceeded();
}

std::optional<std::string> IncidentManager::incidentFor(std::string_view playbook,
                                                        const metrics::Labels& labels) const {
  for (const auto& [id, inc] : incidents_) {
    if (inc->rec.playbook == playbook && inc->labels == labels) return id;
  }
  return std::nullopt;
}

bool IncidentManager::holds(std::string_view playbook, const metrics::Labels& labels) const {
  if (incidentFor(playbook, labels)) return true;
  return !held_.empty() && held_.count(keyOf(std::string(playbook), labels)) > 0;
}

void IncidentManager::handle(const std::vector<Decision>& decisions) {
  // One decision's failure (a bug) must not cost the others their turn.
  for (const Decision& d : decisions) {
    guarded("the incident manager handling " + std::string(policy::decisionName(d.kind)) + " " +
                d.playbook,
            [&] { handleOne(d); });
  }
}

void IncidentManager::handleOne(const Decision& d) {
  {
    if (d.kind == DecisionKind::kOpen) {
      open(d);
      return;
    }
    auto id = incidentFor(d.playbook, d.labels);
    if (!id) {
      // The condition of an incident escalated earlier has cleared: it may open again.
      if (d.kind == DecisionKind::kResolve) held_.erase(keyOf(d.playbook, d.labels));
      return;
    }
    Incident& inc = *incidents_.at(*id);
    switch (d.kind) {
      case DecisionKind::kEscalate:
        inc.rec.severity = d.severity;
        written("cannot record the state of incident " + inc.rec.id,
                store_.updateIncident(inc.rec.id, inc.rec.state, inc.rec.severity,
                                      inc.rec.acknowledged_at, std::nullopt));
        event(inc, "severity_raised", json{{"severity", d.severity}, {"reason", d.reason}});
        break;
      case DecisionKind::kResolve:
        // Once an action has run, only its verification may say the host recovered.
        if (inc.phase == Incident::Phase::kRunning || inc.phase == Incident::Phase::kVerifying) {
          event(inc, "condition_cleared", json{{"reason", d.reason}});
        } else {
          finish(inc, IncidentState::kResolved, "condition cleared: " + d.reason);
        }
        break;
      case DecisionKind::kFlapping:
      case DecisionKind::kSettled:
        inc.flapping = d.kind == DecisionKind::kFlapping;
        event(inc, std::string(policy::decisionName(d.kind)), json{{"reason", d.reason}});
        break;
      default:
        break;
    }
  }
}

void IncidentManager::open(const Decision& d) {
  const policy::Playbook* p = policy_->find(d.playbook);
  if (!p) return;
  TimePoint now = clock_.now();
  auto inc = std::make_unique<Incident>();
  inc->rec.id = newId(now);
  inc->rec.playbook = d.playbook;
  inc->rec.labels = jsonText(metrics::labelsToJson(d.labels));
  inc->rec.severity = d.severity;
  inc->rec.category = std::string(policy::categoryName(p->category));
  inc->rec.state = IncidentState::kOpen;
  inc->rec.dry_run = d.dry_run || options_.dry_run;
  inc->rec.triggered_by = d.by;
  inc->rec.opened_at = now;
  inc->labels = d.labels;
  inc->key = keyOf(d.playbook, d.labels);
  inc->flapping = d.flapping;
  held_.erase(inc->key);
  // Recorded, with its `opened` event, before anything is done about it. The counter restarts
  // with the agent, so an id can already exist (a restart within the same second): take the next
  // number.
  std::string opened = jsonText(json{{"reason", d.reason},
                                     {"by", d.by.empty() ? json(nullptr) : json(d.by)},
                                     {"severity", d.severity},
                                     {"labels", metrics::labelsToJson(d.labels)},
                                     {"playbook", inc->rec.playbook},
                                     {"category", inc->rec.category},
                                     {"dry_run", inc->rec.dry_run}});
  Result<int64_t> created = store_.openIncident(inc->rec, opened);
  for (int attempt = 0;
       !created && created.error().code == ErrorCode::kInvalidArgument && attempt < 1000;
       ++attempt) {
    inc->rec.id = newId(now);
    created = store_.openIncident(inc->rec, opened);
  }
  if (!created) {
    // Nothing runs for an incident the store does not hold. The evaluator forgets it, so that
    // it opens again once the condition has held for its `for` and the store may have healed.
    writeFailed("cannot record an incident for " + d.playbook +
                    "; nothing runs for it until it can be recorded",
                created.error());
    return;
  }
  writeSucceeded();
  Incident& ref = *inc;
  incidents_[inc->rec.id] = std::move(inc);
  // What describes the incident is recorded piece by piece: a piece that fails (a bug) is
  // logged and counted, and the incident goes on to its actions without it.
  const std::string where = "incident " + ref.rec.id + ": ";
  guarded(where + "the diagnostics report", [&] {
    event(ref, "diagnostics",
          json{{"report", actions::diagnosticsReport(metrics_, now, ref.rec.id)}});
  });
  guarded(where + "the flight recorder",
          [&] { event(ref, "flight_recorder", flightRecorder(*p, d.labels, now)); });
  guarded(where + "the regulatory deadlines", [&] {
    for (const auto& dl : policy::regulatoryDeadlines(p->category, now)) {
      event(ref, "regulatory_deadline",
            json{{"regulation", dl.regulation},
                 {"duty", dl.duty},
                 {"when", dl.when},
                 {"due", dl.due ? json(toSeconds(*dl.due)) : json(nullptr)}});
    }
  });
  limits_.opened(*p, ref.key, now);
  if (options_.observe && d.since.time_since_epoch().count() != 0 && d.since <= d.at) {
    options_.observe("detection", d.playbook, d.severity,
                     std::chrono::duration<double>(d.at - d.since).count());
  }
  logWarning("incident " + ref.rec.id + " opened: " + d.playbook + " SEV-" +
             std::to_string(d.severity));
  notice(ref, "initial_alert", d.reason);
  // The manager alone chooses an incident's steps, its first too: none while the condition flaps
  // (until it settles), none for a playbook without actions (a human takes it).
  if (!ref.flapping && !p->actions.empty()) startAction(ref, 0);
}

// The incident's one state machine is its phase; the state the store, the API and the notices
// show follows from it, and is written when it changes.
IncidentState IncidentManager::shownState(Phase phase) {
  switch (phase) {
    case Incident::Phase::kOpen:
      return IncidentState::kOpen;
    case Incident::Phase::kRunning:
    case Incident::Phase::kDeferred:
      return IncidentState::kMitigating;
    case Incident::Phase::kAwaitingApproval:
      return IncidentState::kAwaitingApproval;
    case Incident::Phase::kVerifying:
      return IncidentState::kVerifying;
  }
  return IncidentState::kMitigating;
}

void IncidentManager::enter(Incident& inc, Phase phase) {
  inc.phase = phase;
  if (inc.rec.state == shownState(phase)) return;
  inc.rec.state = shownState(phase);
  written("cannot record the state of incident " + inc.rec.id,
          store_.updateIncident(inc.rec.id, inc.rec.state, inc.rec.severity,
                                inc.rec.acknowledged_at, std::nullopt));
}

void IncidentManager::startAction(Incident& inc, size_t index) {
  const policy::Playbook* p = playbook(inc);
  inc.action = index;
  inc.holding_since.reset();
  if (!p || index >= p->actions.size()) {
    finish(inc, IncidentState::kEscalated,
           p && !p->actions.empty() ? "no action left and the host has not recovered"
                                    : "the playbook has no actions; a human must take over");
    return;
  }
  const policy::ActionSpec& a = p->actions[index];
  // A step whose only_if does not hold now (false, or unknown: no data) is passed over, before
  // anyone is asked to approve it.
  if (a.only_if) {
    policy::EvalContext ctx{metrics_, clock_.now()};
    policy::Tri held = policy::holdsFor(*a.only_if, inc.labels, ctx);
    if (held != policy::Tri::kTrue) {
      event(inc, "action_skipped",
            json{{"action", a.id},
                 {"only_if", a.only_if->text()},
                 {"reason", std::string("only_if is ") + policy::triName(held)}});
      startAction(inc, index + 1);
      return;
    }
  }
  if (!a.automated) {
    inc.approval_expires = clock_.now() + a.approval.timeout.value_or(options_.approval_timeout);
    enter(inc, Incident::Phase::kAwaitingApproval);
    if (auto r = store_.requestApproval(inc.rec.id, a.id, clock_.now(), inc.approval_expires); !r)
      writeFailed("incident " + inc.rec.id + ": cannot record the approval request", r.error());
    event(inc, "approval_requested",
          json{{"action", a.id},
               {"type", a.type},
               {"expires", toSeconds(inc.approval_expires)},
               {"distinct_approver", a.approval.distinct_approver}});
    return;
  }
  enter(inc, Incident::Phase::kDeferred);  // runAction decides whether it can start now
  runAction(inc);
}

void IncidentManager::runAction(Incident& inc) {
  const policy::Playbook* p = playbook(inc);
  if (!p) return;
  const policy::ActionSpec& a = p->actions[inc.action];
  TimePoint now = clock_.now();
  bool automated = a.automated;
  if (inc.flapping) {
    if (inc.run_id >= 0)
      event(inc, "action_deferred",
            json{{"action", a.id}, {"budget", "flapping"}, {"reason", "flapping"}});
    inc.run_id = -1;
    enter(inc, Incident::Phase::kDeferred);
    return;
  }
  // An approved action passes the kill switch (a human chose to run it) but not the other limits.
  if (auto refusal = limits_.check(*p, inc.key, now, automated && paused_)) {
    if (inc.phase != Incident::Phase::kDeferred || inc.run_id >= 0) {
      event(inc, "action_deferred",
            json{{"action", a.id}, {"budget", refusal->budget}, {"reason", refusal->reason}});
    }
    inc.run_id = -1;  // remembers that the deferral is recorded
    enter(inc, Incident::Phase::kDeferred);
    return;
  }
  auto run = store_.startActionRun(inc.rec.id, a.id, a.type, now);
  if (!run) {
    logError("incident " + inc.rec.id + ": cannot record the start of " + a.id + ": " +
             run.error().message);
    return;
  }
  inc.run_id = *run;
  enter(inc, Incident::Phase::kRunning);
  event(inc, "action_started",
        json{{"action", a.id}, {"type", a.type}, {"run", *run}, {"dry_run", inc.rec.dry_run}});
  limits_.started(*p, inc.key, now);

  std::string id = inc.rec.id;
  int64_t run_id = *run;
  auto complete = [this, alive = alive_, id, run_id](actions::ActionOutcome o) {
    boost::asio::post(io_, [this, alive, id, run_id, o = std::move(o)] {
      if (!*alive) return;
      if (!guarded("incident " + id + ": the result of run " + std::to_string(run_id),
                   [&] { actionDone(id, run_id, o.state, jsonText(o.result)); })) {
        handOver(id, "the agent could not handle the result of run " + std::to_string(run_id));
      }
    });
  };
  auto run_values = values(inc, "action " + a.id);
  // The labels as the playbook types them: a value that does not fit fails the step here, before
  // anything runs (the broker checks again for what needs root).
  if (auto r = actions::checkLabels(*p, a, run_values,
                                    p->application_labels && inc.rec.triggered_by.empty());
      !r) {
    complete(actions::failed(r.error().message));
    return;
  }
  if (inc.rec.dry_run) {
    complete({actions::RunState::kSkipped,
              json{{"dry_run", true}, {"message", "dry-run: planned, not run"}}});
    return;
  }
  actions::ActionRequest request{p->name,
                                 a,
                                 id,
                                 run_id,
                                 std::move(run_values),
                                 now,
                                 {},
                                 io::runMarker(options_.store_id, run_id)};
  request.on_started = [this, alive = alive_, run_id, id](pid_t pid) {
    if (!*alive) return;
    running_[run_id] = {id, pid};
    // Recorded so that a restart after kill -9 can end the process group (actions/orphans.h).
    if (auto r = store_.setRunProcess(run_id, pid, io::processStartTicks(pid).value_or(0)); !r)
      writeFailed("incident " + id + ": cannot record the process of run " + std::to_string(run_id),
                  r.error());
  };
  actions::runAction(*env_, std::move(request), std::move(complete));
}

void IncidentManager::actionDone(const std::string& id, int64_t run, actions::RunState state,
                                 const std::string& result_json) {
  limits_.finished();
  running_.erase(run);
  auto it = incidents_.find(id);
  written("cannot record the end of an action run of incident " + id,
          store_.finishActionRun(run, state, clock_.now(), result_json));
  if (it == incidents_.end()) return;
  Incident& inc = *it->second;
  const policy::Playbook* p = playbook(inc);
  std::string action = p && inc.action < p->actions.size() ? p->actions[inc.action].id : "?";
  const std::string state_name(actions::runStateName(state));
  inc.outcomes.push_back(action + ": " + state_name);
  json result = json::parse(result_json, nullptr, false);
  event(inc, "action_result", json{{"action", action}, {"state", state_name}, {"result", result}});
  const actions::ActionType* type = p && inc.action < p->actions.size()
                                        ? actions::findActionType(p->actions[inc.action].type)
                                        : nullptr;
  if (type && type->schema.ends_incident && state == actions::RunState::kDone) {
    finish(inc, IncidentState::kEscalated, result.value("message", std::string("handed over")));
    return;
  }
  // Verify against the playbook's criteria; with none, the resolve condition; with neither (a
  // manual playbook), there is nothing to verify and the next action follows.
  if (!p || (p->verify.mandatory.empty() && !p->when)) {
    nextAction(inc, "no verification criteria");
    return;
  }
  inc.verify_since = clock_.now();
  inc.holding_since.reset();
  enter(inc, Incident::Phase::kVerifying);
  event(inc, "verification_started", json{{"window", formatDuration(p->verify.window)}});
}

void IncidentManager::shutdown() {
  *alive_ = false;  // completions that arrive from now on are not acted upon
  if (running_.empty()) return;
  if (options_.end_run) {
    // Root's processes: the broker ends them (their cgroup, their process group).
    for (const auto& entry : running_) options_.end_run(entry.first);
  } else {
    for (const auto& [run, r] : running_) ::kill(-r.pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (const auto& [run, r] : running_) {
      while (::kill(-r.pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
        ::usleep(10000);
      }
      if (::kill(-r.pid, 0) == 0) ::kill(-r.pid, SIGKILL);
    }
  }
  TimePoint now = clock_.now();
  for (const auto& [run, r] : running_) {
    json note = {{"run", run},
                 {"reason", "the agent stopped while it ran; its process group was terminated"}};
    written("cannot record the end of an action run of incident " + r.incident,
            store_.finishActionRun(run, actions::RunState::kInterrupted, now, jsonText(note)));
    written("cannot record an event of incident " + r.incident,
            store_.appendEvent(r.incident, now, "action_interrupted", jsonText(note)));
  }
  logWarning(std::to_string(running_.size()) + " running action(s) stopped with the agent");
  running_.clear();
}

void IncidentManager::nextAction(Incident& inc, const std::string& why) {
  event(inc, "next_action", json{{"reason", why}});
  startAction(inc, inc.action + 1);
}

void IncidentManager::handOver(const std::string& id, const std::string& why) {
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return;
  // A bug stopped the incident's own handling: a human takes over rather than it hanging.
  guarded("incident " + id + ": handing it over", [&] {
    finish(*it->second, IncidentState::kEscalated, why + "; a human must take over");
  });
  incidents_.erase(id);
}

void IncidentManager::finish(Incident& inc, IncidentState state, const std::string& reason) {
  TimePoint now = clock_.now();
  inc.rec.state = state;
  inc.rec.resolved_at = now;
  written("cannot record the state of incident " + inc.rec.id,
          store_.updateIncident(inc.rec.id, state, inc.rec.severity, inc.rec.acknowledged_at, now));
  const std::string state_name(incidentStateName(state));
  event(inc, state_name, json{{"reason", reason}});
  limits_.resolved(inc.key, now);
  const bool resolved = state == IncidentState::kResolved;
  notice(inc, resolved ? "resolution" : "escalation", reason);
  if (options_.observe && resolved) {
    options_.observe("resolution", inc.rec.playbook, inc.rec.severity,
                     std::chrono::duration<double>(now - inc.rec.opened_at).count());
  }
  log(resolved ? LogLevel::kNotice : LogLevel::kWarning,
      "incident " + inc.rec.id + " " + state_name + ": " + reason);
  // The incident ends here, and for the evaluator when it next asks (holds): after a verified
  // recovery, and after any end of one it cannot watch clear by itself (a playbook without
  // `when`, an incident opened by hand). An escalated incident of a watched condition is held
  // open until the condition clears, so that it does not open again at once while a human works
  // on it.
  const policy::Playbook* p = playbook(inc);
  const bool ends = resolved || !p || !p->when || !inc.rec.triggered_by.empty();
  if (!ends) held_.insert(inc.key);
  const std::string id = inc.rec.id;  // `inc` goes with its entry
  incidents_.erase(id);
}

void IncidentManager::tick() {
  TimePoint now = clock_.now();
  std::vector<std::string> ids;
  for (const auto& [id, inc] : incidents_) ids.push_back(id);
  for (const auto& id : ids) {
    if (!guarded("incident " + id + ": its tick", [&] { tickOne(id, now); })) {
      handOver(id, "the agent failed to move the incident along");
    }
  }
}

void IncidentManager::tickOne(const std::string& id, TimePoint now) {
  {
    auto it = incidents_.find(id);
    if (it == incidents_.end()) return;
    Incident& inc = *it->second;
    const policy::Playbook* p = playbook(inc);
    // The escalation matrix runs until someone acknowledges.
    auto step =
        policy::escalationAt(inc.rec.severity, inc.rec.opened_at, inc.rec.acknowledged_at, now);
    if (step.level > inc.escalation_level) {
      inc.escalation_level = step.level;
      event(inc, "escalation_notice",
            json{{"level", step.level},
                 {"to", policy::escalationLevelName(step.level)},
                 {"reason", "not acknowledged within SEV-" + std::to_string(inc.rec.severity) +
                                "'s response time"}});
      notice(inc, "escalation", std::string(policy::escalationLevelName(step.level)));
    }
    if (!p) return;
    switch (inc.phase) {
      case Incident::Phase::kAwaitingApproval:
        if (now >= inc.approval_expires) {
          written(
              "cannot record the approval decision on incident " + inc.rec.id,
              store_.decideApproval(inc.rec.id, p->actions[inc.action].id, ApprovalState::kExpired,
                                    now, "agent", "no decision in time"));
          event(inc, "approval_expired", json{{"action", p->actions[inc.action].id}});
          nextAction(inc, "no approval in time: treated as denied");
        }
        break;
      case Incident::Phase::kDeferred:
        runAction(inc);
        break;
      case Incident::Phase::kVerifying: {
        policy::EvalContext ctx{metrics_, now};
        // The same criteria and code as `novacron validate INCIDENT` (policy/validation.h),
        // without the values a report shows.
        policy::Tri held = policy::mandatoryHold(policy::verificationCriteria(*p), inc.labels, ctx);
        if (held == policy::Tri::kTrue) {
          if (!inc.holding_since) inc.holding_since = now;
          if (now - *inc.holding_since >= p->verify.window) {
            event(inc, "verification_held", json{{"window", formatDuration(p->verify.window)}});
            finish(inc, IncidentState::kResolved,
                   "verification held for " + formatDuration(p->verify.window));
            return;
          }
        } else {
          inc.holding_since.reset();
        }
        // The criteria get twice their window to hold for a whole window.
        if (now - inc.verify_since >= 2 * std::max(p->verify.window, milliseconds(1))) {
          event(inc, "verification_failed",
                json{{"reason", "criteria did not hold for " + formatDuration(p->verify.window)}});
          nextAction(inc, "verification failed");
        }
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace novacron::incidents
