#include "policy/severity.h"

namespace novacron::policy {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// From the incident response runbook. SEV-1 escalates immediately (to the CTO/VP Engineering);
// SEV-4 "next business day" is taken as 24 hours.
constexpr SeverityInfo kLevels[] = {
    {1, "critical", "complete system outage or data loss risk", minutes(5), minutes(0)},
    {2, "high", "major feature degradation affecting more than 30% of users", minutes(15),
     minutes(30)},
    {3, "medium", "service degradation affecting less than 30% of users", minutes(30), hours(2)},
    {4, "low", "minor issue with a workaround", hours(2), hours(24)},
};

constexpr std::pair<std::string_view, Category> kCategories[] = {
    {"infrastructure", Category::kInfrastructure},
    {"application", Category::kApplication},
    {"database", Category::kDatabase},
    {"network", Category::kNetwork},
    {"security", Category::kSecurity},
    {"data", Category::kData}};

}  // namespace

std::optional<SeverityInfo> severityInfo(int level) {
  if (level < 1 || level > 4) return std::nullopt;
  return kLevels[level - 1];
}

std::optional<Category> parseCategory(std::string_view text) {
  for (const auto& [name, c] : kCategories) {
    if (name == text) return c;
  }
  return std::nullopt;
}

std::string_view categoryName(Category c) {
  for (const auto& [name, cat] : kCategories) {
    if (cat == c) return name;
  }
  return "infrastructure";
}

}  // namespace novacron::policy
