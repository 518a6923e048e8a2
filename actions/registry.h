#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "actions/action.h"
#include "policy/action_schema.h"

namespace novacron::actions {

/// One action type: what a playbook may say about it (its schema, which the loader checks) and
/// what runs it. Declared once, in registry.cpp; the loader, `--check-config`, the runner,
/// `novacron-agent --list-actions` and the README's action table all come from that table.
struct ActionType {
  policy::ActionSchema schema;
  void (*run)(const ActionEnv& env, ActionRequest request, ActionDone done);
  /// Placeholder values from the host checked against the type's templates before an incident
  /// opens by hand (an option, a split header, a unit that is not one); nullptr: nothing to check.
  Result<void> (*check)(const nlohmann::json& with,
                        const std::map<std::string, std::string>& values) = nullptr;
  /// Set for a type that needs root (a process as another user, a unit, other users' files, the
  /// firewall): in the unprivileged agent it goes to the root broker, which runs it with this
  /// same runner. What a run with these values is expected to do (its argv, unit, paths,
  /// addresses): the agent sends it, the broker works it out again from its own copy of the
  /// policy and runs only when the two agree. The broker knows the root types from this table
  /// alone: a new one needs no change there.
  Result<Expectation> (*expect)(const nlohmann::json& with,
                                const std::map<std::string, std::string>& values) = nullptr;
  /// Fills what only the main process has (the diagnostics report) before the request goes to
  /// the broker.
  void (*prepare)(const ActionEnv& env, ActionRequest& request) = nullptr;

  bool needsRoot() const { return expect != nullptr; }
};

std::span<const ActionType> actionTypes();
const ActionType* findActionType(std::string_view type);
/// The schemas alone, for the playbook loader.
policy::ActionCatalog actionCatalog();
/// The reference table (Markdown) of every type: the README's, and --list-actions.
std::string actionReference();

}  // namespace novacron::actions
