#include "policy/escalation.h"

namespace novacron::policy {

using namespace std::chrono_literals;

namespace {
constexpr std::string_view kLevels[kEscalationLevels + 1] = {
    "on-call engineer",    "L2 engineer", "senior engineer", "team lead",
    "engineering manager", "director",    "VP engineering",  "CTO"};
// Time at each level before the next, from the runbook: L1 5m, L2 15m, L3 30m, lead 1h,
// manager 2h, director 4h, then the VP goes to the CTO at once.
constexpr std::chrono::minutes kDwell[kEscalationLevels] = {5min,   15min,  30min, 60min,
                                                            120min, 240min, 0min};
}  // namespace

std::string_view escalationLevelName(int level) {
  return level >= 0 && level <= kEscalationLevels ? kLevels[level] : "unknown";
}

EscalationStep escalationAt(int severity, TimePoint opened, std::optional<TimePoint> acknowledged,
                            TimePoint now) {
  auto info = severityInfo(severity);
  if (!info) return {};
  TimePoint until = acknowledged ? std::min(*acknowledged, now) : now;
  // The first step comes when the response time passes unacknowledged; SEV-1 goes straight to
  // the engineering manager.
  TimePoint next = opened + info->response_time;
  int level = 0;
  int first = severity == 1 ? 4 : 1;
  while (next <= until && level < kEscalationLevels) {
    level = level == 0 ? first : level + 1;
    if (level < kEscalationLevels) next += kDwell[level];
  }
  EscalationStep step{level, std::nullopt};
  if (!acknowledged && level < kEscalationLevels) step.next_at = next;
  return step;
}

std::vector<RegulatoryDeadline> regulatoryDeadlines(Category category, TimePoint opened) {
  if (category != Category::kSecurity && category != Category::kData) return {};
  return {
      {"GDPR", "notify the supervisory authority of a personal data breach", opened + 72h,
       "within 72 hours"},
      {"HIPAA", "notify affected individuals of a breach of health information", opened + 60 * 24h,
       "within 60 days"},
      {"CCPA", "notify affected consumers", std::nullopt, "without unreasonable delay"},
      {"PCI-DSS", "notify the card brands", opened, "immediately"},
  };
}

}  // namespace novacron::policy
