#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "policy/severity.h"

namespace novacron::policy {

/// The runbook's escalation path, from first responder up.
std::string_view escalationLevelName(int level);
constexpr int kEscalationLevels = 7;  // L1, L2, L3, team lead, engineering manager, director, VP

/// Where an incident stands on the escalation matrix: not acknowledged within its severity's
/// response time, it goes up one level, and one more each further period. SEV-1 starts at the
/// engineering manager, as the runbook's dashed line from L1 says.
struct EscalationStep {
  int level = 0;                     ///< 0 = the on-call engineer, nothing escalated yet
  std::optional<TimePoint> next_at;  ///< when the next level is due, unless acknowledged
};
EscalationStep escalationAt(int severity, TimePoint opened, std::optional<TimePoint> acknowledged,
                            TimePoint now);

/// A notification that regulation requires after a security or data incident, and when.
struct RegulatoryDeadline {
  std::string regulation;
  std::string duty;
  std::optional<TimePoint> due;  ///< none: "without unreasonable delay" or "immediately"
  std::string when;              ///< the deadline as the regulation states it
};
std::vector<RegulatoryDeadline> regulatoryDeadlines(Category category, TimePoint opened);

}  // namespace novacron::policy
