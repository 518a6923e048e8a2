#pragma once

#include <string>
#include <vector>

#include "incidents/store.h"

namespace novacron::incidents {

/// A post-mortem draft in Markdown, following the runbook's template: summary, impact (duration,
/// severity, hosts), the timeline, actions and their results, verification results, incident
/// metrics, and the sections people must write (root cause, contributing factors, what went well,
/// what could be improved, action items, lessons learned) left empty for them.
std::string postmortemDraft(const std::string& node_id, const IncidentRecord& incident,
                            const std::vector<EventRecord>& timeline,
                            const std::vector<ActionRunRecord>& runs, TimePoint now);

}  // namespace novacron::incidents
