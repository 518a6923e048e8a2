#pragma once
// The broker: the agent's only root process once the main process has dropped its privileges.
// It answers the typed requests of broker/protocol.h, one at a time, and runs only what its own
// copy of the policy holds (broker/run_request.h). No HTTP, no network parsing, no libpq, no
// condition engine: what it parses is its own configuration and the fixed-schema datagrams of
// one peer.
#include <functional>

#include "actions/action.h"
#include "base/result.h"
#include "broker/channel.h"

namespace novacron::broker {

/// What the broker acts on: the playbooks and the action settings, read by the broker itself
/// from the root-owned configuration.
struct BrokerPolicy {
  policy::PolicyPtr policy;
  actions::ActionSettings settings;
};
using PolicyLoader = std::function<Result<BrokerPolicy>()>;

/// A short digest of the actions a policy holds, for `novacron status`, which compares the
/// broker's with the agent's.
std::string policyDigest(const policy::PolicySet& policy);

/// Serves the agent on `channel` until it goes (its end closes, or SIGTERM from
/// PR_SET_PDEATHSIG): then every run still going is killed and the cgroups made for them are
/// removed. Loads the policy with `load` at start (failure: exit status 1) and on each reload
/// request (failure: the last good policy stays). On `tasks`, when valid, it serves the process
/// table (broker/task_service.h). Returns the exit status.
int serve(Fd channel, Fd tasks, PolicyLoader load);

}  // namespace novacron::broker
