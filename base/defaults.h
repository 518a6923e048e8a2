#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

// Defaults the agent and the `novacron` command must agree on, in one place.
namespace novacron {

/// The state directory without configuration, relative to the working directory.
inline constexpr std::string_view kDefaultStateDir = "var/novacron";
/// The control socket's name inside the state directory.
inline constexpr std::string_view kControlSocketName = "agent.sock";
/// Where the packaged unit puts the control socket (systemd/agent.yaml).
inline constexpr std::string_view kPackagedControlSocket = "/run/novacron/agent.sock";

/// The state directory the environment names: $NOVACRON_STATE_DIR, else the first entry of
/// systemd's $STATE_DIRECTORY.
inline std::optional<std::string> stateDirFromEnvironment() {
  if (const char* s = std::getenv("NOVACRON_STATE_DIR"); s && *s) return std::string(s);
  if (const char* sd = std::getenv("STATE_DIRECTORY"); sd && *sd) {
    std::string first(sd);  // systemd may list several, separated by ':'; ours is the first
    return first.substr(0, first.find(':'));
  }
  return std::nullopt;
}

}  // namespace novacron
