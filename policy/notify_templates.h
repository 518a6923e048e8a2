#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace novacron::policy {

/// The notices the agent ships, after the runbook's customer notification templates: the first
/// line is "Subject: …", the rest the text; both take {incident.*}, {node.*} and {labels.*}.
/// initial_alert goes out when an incident opens, resolution when it resolves, escalation when
/// nobody acknowledged in time, update on demand.
std::optional<std::string_view> notifyTemplate(std::string_view name);
bool isNotifyTemplate(std::string_view name);
std::string notifyTemplateNames();

}  // namespace novacron::policy
