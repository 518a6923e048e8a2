#pragma once

#include <optional>
#include <string>
#include <vector>

#include "incidents/incident_manager.h"
#include "incidents/store.h"

// The manager's view of one incident in flight. Internal to the incident manager's files.
namespace novacron::incidents {

struct IncidentManager::Incident {
  using Phase = IncidentManager::Phase;
  IncidentRecord rec;
  metrics::Labels labels;
  std::string key;  // playbook and labels, the unit of cooldowns
  Phase phase = Phase::kOpen;
  size_t action = 0;
  int64_t run_id = 0;
  TimePoint approval_expires{};
  TimePoint verify_since{};
  std::optional<TimePoint> holding_since;
  int escalation_level = 0;
  bool flapping = false;
  std::vector<std::string> outcomes;  // "action: state", for notices and {incident.actions}
};

}  // namespace novacron::incidents
