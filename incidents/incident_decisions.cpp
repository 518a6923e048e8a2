// The operator's decisions on a running incident: approve, deny, acknowledge.
#include "incidents/incident_manager.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/log.h"
#include "incidents/incident.h"
#include "metrics/labels_json.h"

namespace novacron::incidents {

using json = nlohmann::json;

Result<IncidentManager::Incident*> IncidentManager::waitingFor(const std::string& incident_id,
                                                               const std::string& action) {
  auto it = incidents_.find(incident_id);
  if (it == incidents_.end())
    return makeError(ErrorCode::kNotFound, "no open incident " + incident_id);
  Incident& inc = *it->second;
  const policy::Playbook* p = playbook(inc);
  if (inc.phase != Incident::Phase::kAwaitingApproval || !p ||
      p->actions[inc.action].id != action) {
    return makeError(ErrorCode::kInvalidArgument,
                     "incident " + incident_id + " is not waiting for an approval of " + action);
  }
  return &inc;
}

namespace {

// The decider on the timeline: the name given, and the identity behind it when it differs.
json decider(const std::string& action, const std::string& identity, const std::string& name,
             const std::string& reason) {
  json j = {{"action", action}, {"by", name.empty() ? identity : name}, {"reason", reason}};
  if (!name.empty() && name != identity) j["verified_as"] = identity;
  return j;
}

}  // namespace

Result<void> IncidentManager::approve(const std::string& incident_id, const std::string& action,
                                      const std::string& approver, const std::string& reason,
                                      const std::string& name) {
  auto inc = waitingFor(incident_id, action);
  if (!inc) return inc.error();
  if (playbook(**inc)->actions[(*inc)->action].approval.distinct_approver &&
      approver == (*inc)->rec.triggered_by) {
    return makeError(ErrorCode::kPermission,
                     action + " needs an approver other than " + approver + ", who triggered it");
  }
  if (auto r = store_.decideApproval(incident_id, action, ApprovalState::kGranted, clock_.now(),
                                     approver, reason);
      !r) {
    // An approval that cannot be recorded is not acted upon: the store is the agent's memory.
    writeFailed("incident " + incident_id + ": cannot record the approval", r.error());
    return r.error();
  }
  event(**inc, "approval_granted", decider(action, approver, name, reason));
  enter(**inc, Incident::Phase::kDeferred);
  runAction(**inc);
  return {};
}

Result<void> IncidentManager::deny(const std::string& incident_id, const std::string& action,
                                   const std::string& who, const std::string& reason,
                                   const std::string& name) {
  auto inc = waitingFor(incident_id, action);
  if (!inc) return inc.error();
  written("cannot record the approval decision on incident " + incident_id,
          store_.decideApproval(incident_id, action, ApprovalState::kDenied, clock_.now(), who,
                                reason));
  event(**inc, "approval_denied", decider(action, who, name, reason));
  nextAction(**inc, "denied by " + (name.empty() ? who : name));
  return {};
}

Result<void> IncidentManager::acknowledge(const std::string& incident_id, const std::string& who) {
  auto it = incidents_.find(incident_id);
  if (it == incidents_.end())
    return makeError(ErrorCode::kNotFound, "no open incident " + incident_id);
  Incident& inc = *it->second;
  if (inc.rec.acknowledged_at) return {};
  inc.rec.acknowledged_at = clock_.now();
  if (options_.observe) {
    options_.observe(
        "acknowledge", inc.rec.playbook, inc.rec.severity,
        std::chrono::duration<double>(*inc.rec.acknowledged_at - inc.rec.opened_at).count());
  }
  written("cannot record the state of incident " + inc.rec.id,
          store_.updateIncident(inc.rec.id, inc.rec.state, inc.rec.severity,
                                inc.rec.acknowledged_at, std::nullopt));
  event(inc, "acknowledged", json{{"by", who}});
  return {};
}

}  // namespace novacron::incidents
