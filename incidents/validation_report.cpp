#include "incidents/validation_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "incidents/store.h"
#include "policy/evaluator.h"
#include "policy/validation.h"

namespace novacron::incidents {

using json = nlohmann::json;

namespace {

// An incident's labels, from the JSON object its record keeps.
metrics::Labels labelsOf(const std::string& text) {
  metrics::Labels out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out.push_back({k, v.get<std::string>()});
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CommandReply validateRecovery(const IncidentContext& c, const metrics::MetricStore& metrics,
                              milliseconds lookback, const std::optional<std::string>& incident) {
  if (!c.evaluator) return CommandReply::error("unavailable", "the policy is not loaded");
  const policy::PolicySet& policy = c.evaluator->policy();
  policy::EvalContext ctx{metrics, c.clock.now(), lookback};
  json out;
  if (incident) {
    if (!c.store) return CommandReply::error("unavailable", c.store_error);
    auto rec = c.store->incident(*incident);
    if (!rec) return CommandReply::error("store", rec.error().message);
    if (!*rec) return CommandReply::error("not_found", "no incident " + *incident);
    const policy::Playbook* p = policy.find((*rec)->playbook);
    if (!p) {
      return CommandReply::error("not_found", "the playbook " + (*rec)->playbook + " of incident " +
                                                  *incident + " is no longer loaded");
    }
    auto criteria = policy::verificationCriteria(*p);
    out = policy::validationJson(policy::validate(criteria, labelsOf((*rec)->labels), ctx));
    out["incident"] = *incident;
    out["playbook"] = p->name;
    out["state"] = incidentStateName((*rec)->state);
    if (criteria.empty())
      out["message"] = "the playbook has no criteria: a human judges its recovery";
    return {out, "", ""};
  }
  policy::Validation v = policy::validate(policy.host_criteria, {}, ctx);
  // The runbook's first mandatory criterion is no metric: the agent's own open incidents.
  policy::CriterionResult open;
  open.name = "no open incident";
  open.condition = "open incidents == 0";
  open.threshold = "== 0";
  if (c.store) {
    if (auto list = c.store->openIncidents()) {
      open.state = list->empty() ? policy::Tri::kTrue : policy::Tri::kFalse;
      open.value = std::to_string(list->size());
    }
  }
  v.criteria.insert(v.criteria.begin(), std::move(open));
  out = policy::validationJson(v);
  out["incident"] = nullptr;
  return {out, "", ""};
}

}  // namespace novacron::incidents
