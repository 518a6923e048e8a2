#include "agent/control/access.h"

#include <pwd.h>

#include "io/control_commands.h"

namespace novacron::agent {

Role AccessPolicy::roleOf(const PeerCredentials& peer) const {
  if (peer.uid == static_cast<uid_t>(-1)) return Role::kNone;  // credentials unreadable
  if (peer.uid == 0 || peer.uid == agent_uid) return Role::kAdmin;
  if (admin_gid && peer.inGroup(*admin_gid)) return Role::kAdmin;
  if (peer.inGroup(reader_gid)) return Role::kReader;
  return Role::kNone;
}

bool changesState(std::string_view command) {
  const io::ControlCommand* c = io::findControlCommand(command);
  return c && c->role == io::CommandRole::kAdmin;
}

std::string peerName(uid_t uid) {
  std::string who = "uid " + std::to_string(uid);
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found) {
    who = std::string(pw.pw_name) + " (" + who + ")";
  }
  return who;
}

}  // namespace novacron::agent
