#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace novacron::broker {

/// The user the agent's main process becomes (`user:`, default novacron).
struct Identity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups, from the group database
};

/// Looks a user up by name. Root is refused: dropping to it would drop nothing.
Result<Identity> lookupUser(std::string_view name);

/// What /proc/PID/status says of a process's identity and capabilities.
struct Credentials {
  uid_t uid = 0, euid = 0, suid = 0;
  gid_t gid = 0, egid = 0, sgid = 0;
  uint64_t cap_eff = 0, cap_prm = 0, cap_inh = 0, cap_amb = 0;
  bool no_new_privs = false;
};

/// Parses the text of /proc/PID/status; kMalformed if a line it needs is missing or bad.
Result<Credentials> parseStatus(std::string_view text);

/// Reads /proc/PID/status (0: this process).
Result<Credentials> readCredentials(pid_t pid = 0);

/// Whether `who` can reach `path` (search permission on every directory above it), or which
/// directory stops it and why: what the dropped agent opens must be within its reach.
Result<void> canReach(const std::filesystem::path& path, const Identity& who);

/// Drops root for good: supplementary groups, then real, effective and saved group and user
/// ids, ambient capabilities cleared, PR_SET_NO_NEW_PRIVS set. Then checks, from the kernel's
/// own account, that no uid is 0 and that no capability is left (effective, permitted,
/// inheritable, ambient) and that root cannot be taken back; any doubt is an error and the
/// caller must exit. Call while the process has a single thread.
Result<void> dropTo(const Identity& who);

}  // namespace novacron::broker
