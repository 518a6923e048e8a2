#include "policy/action_types.h"

#include <algorithm>

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

}  // namespace novacron::policy
