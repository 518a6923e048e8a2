#pragma once
// A run that needs root, as the agent asks for it and as the broker checks it. Both sides build
// what a run is expected to do (its argv, unit, paths or addresses) with the same code (the
// action registry's `expect`) from a playbook's action and the placeholder values: the agent from
// its copy of the policy, the broker from its own. The broker runs only what its own copy yields,
// and says which field differs when the two disagree.
#include <optional>
#include <string_view>

#include "actions/action.h"
#include "base/result.h"
#include "broker/protocol.h"

namespace novacron::broker {

/// The request for one run of an action that needs root (the registry's types with `expect`).
/// Fails for a type the main process runs itself, and when the values cannot fill the action (an
/// argument that would become an option, a unit that is not one).
Result<Message> runRequest(const actions::ActionRequest& request);

/// Checks a request against the broker's own policy: a known, enabled playbook with that
/// action, of the type the request names, with values that fill it into exactly what the agent
/// expects. Returns what the broker then runs (its own action spec, never the agent's), or
/// why it refuses (kPermission), in words for the incident's timeline.
Result<actions::ActionRequest> authorize(const policy::PolicySet& policy, const Message& m);

}  // namespace novacron::broker
