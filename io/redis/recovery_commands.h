#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace novacron::io {

/// The only Redis commands an action may send, as written in a playbook (case-insensitive
/// words): `FLUSHDB ASYNC`, `FLUSHALL ASYNC`, `MEMORY PURGE`, `CLIENT KILL TYPE normal|pubsub`
/// and `CONFIG SET maxmemory-policy POLICY` (one of Redis's eight policies). Returns the command
/// as the argv to send (CLIENT KILL with SKIPME yes, so the action's own connection survives), or
/// why it is not one of them.
Result<std::vector<std::string>> recoveryCommand(std::string_view text);

/// The allowed forms, for messages and the reference.
const char* recoveryCommandHelp();

}  // namespace novacron::io
