#include "policy/action_types.h"

#include <algorithm>
#include <cctype>

namespace novacron::policy {
namespace {

constexpr std::string_view kTypes[] = {"diagnostics_report",
                                       "escalate",
                                       "evidence_bundle",
                                       "exec",
                                       "http_request",
                                       "notify",
                                       "pg_cancel_long_queries",
                                       "pg_readonly",
                                       "pg_terminate_idle_in_transaction",
                                       "pg_vacuum_analyze",
                                       "systemd_restart"};

}  // namespace

std::span<const std::string_view> actionTypes() { return kTypes; }

bool isActionType(std::string_view type) {
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

bool isUnitName(std::string_view unit) {
  if (unit.empty() || unit.size() > 255 || unit.front() == '-' || unit.front() == '.') return false;
  size_t dot = unit.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == unit.size()) return false;
  return std::all_of(unit.begin(), unit.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view(":-_.\\@").find(c) != std::string_view::npos;
  });
}

}  // namespace novacron::policy
