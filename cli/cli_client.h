#pragma once

#include <chrono>
#include <string>

#include "base/result.h"

namespace novacron::cli {

/// Sends one request line to the agent's control socket and returns the reply line. Blocking,
/// with `timeout` for the whole exchange. kNotFound: no agent (no socket, or nobody listening);
/// kPermission: the socket refuses this user; kTimeout: the agent did not answer in time.
Result<std::string> roundTrip(const std::string& socket_path, const std::string& request,
                              std::chrono::milliseconds timeout);

}  // namespace novacron::cli
