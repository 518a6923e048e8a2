#pragma once

#include <optional>
#include <string>

#include "incidents/incident_commands.h"
#include "metrics/metric_store.h"

namespace novacron::incidents {

/// The runbook's recovery-validation checklist, evaluated now on the agent's data: with an
/// incident, its playbook's criteria for its labels (what its verification checks); without one,
/// "no open incident" and the host's criteria (config `validation:`, or the runbook's).
/// `novacron validate` and GET /v1/validate both answer with it.
CommandReply validateRecovery(const IncidentContext& c, const metrics::MetricStore& metrics,
                              milliseconds lookback, const std::optional<std::string>& incident);

}  // namespace novacron::incidents
