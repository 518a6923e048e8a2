#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace novacron::policy {

/// The runbook's severity levels: SEV-1 (critical) to SEV-4 (low).
struct SeverityInfo {
  int level;
  std::string_view name;
  std::string_view definition;
  /// An incident must be acknowledged within this time...
  std::chrono::minutes response_time;
  /// ...and, once escalated, goes one level up the escalation path after each such period.
  std::chrono::minutes escalation_delay;
};

/// SEV-1 .. SEV-4; nullopt for anything else.
std::optional<SeverityInfo> severityInfo(int level);

enum class Category { kInfrastructure, kApplication, kDatabase, kNetwork, kSecurity, kData };

std::optional<Category> parseCategory(std::string_view text);
std::string_view categoryName(Category c);

}  // namespace novacron::policy
