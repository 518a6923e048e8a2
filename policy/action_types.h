#pragma once

#include <span>
#include <string_view>

namespace novacron::policy {

/// The action types a playbook may name; each has one file under actions/.
std::span<const std::string_view> actionTypes();
bool isActionType(std::string_view type);
/// A systemd unit name with its type suffix, and nothing that could pass for an option.
bool isUnitName(std::string_view unit);

}  // namespace novacron::policy
