#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "agent/control/control_socket.h"

namespace novacron::agent {

/// What a peer of the control socket may do.
enum class Role { kNone, kReader, kAdmin };

/// The control socket's rules: root and the agent's own user may do everything; members of the
/// admin group (control_socket.admin_group) too; members of the socket's group
/// (control_socket.group, by default the agent's own group) may use read-only commands; nobody
/// else may use it at all. Membership counts the peer's primary and supplementary groups as the
/// kernel reports them.
struct AccessPolicy {
  uid_t agent_uid = 0;
  gid_t reader_gid = 0;
  std::optional<gid_t> admin_gid;

  Role roleOf(const PeerCredentials& peer) const;
};

/// Whether a control command changes anything (and so needs the admin role).
bool changesState(std::string_view command);

/// "alice (uid 1000)", or "uid 1000" for a uid without a name.
std::string peerName(uid_t uid);

}  // namespace novacron::agent
