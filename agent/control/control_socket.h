#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace boost::asio {
class io_context;
}

namespace novacron::agent {

/// Who is on the other end of a control connection, from SO_PEERCRED: the kernel's word, not
/// the client's.
struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups
  bool inGroup(gid_t g) const {
    return gid == g || std::find(groups.begin(), groups.end(), g) != groups.end();
  }
};

/// Sends the reply line (without its newline). Called once, on the event loop, at once or later
/// (a command that asks the broker answers when the broker does).
using ControlReply = std::function<void(std::string reply)>;
/// Answers one request line (without its newline). Called on the event loop; must not block. The
/// connection reads its next request only after the reply.
using ControlHandler =
    std::function<void(std::string_view line, const PeerCredentials&, ControlReply reply)>;

struct ControlLimits {
  size_t max_connections = 256;
  size_t max_per_uid = 16;  ///< so that one user's idle connections cannot lock others out
  size_t max_request_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{30000};
};

/// The local control channel: a Unix stream socket, one JSON request per line, one JSON reply per
/// line. Oversized lines, idle clients and connections over the limit get an error reply and are
/// closed; nothing a client sends can stop the agent from serving others.
class ControlSocket {
 public:
  ControlSocket(boost::asio::io_context& io, ControlHandler handler, ControlLimits limits = {});
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  /// Creates the socket at `path` with `mode` and, if given, `group` and `owner` (a stale socket
  /// file left by a crash is replaced; any other file there is an error) and starts accepting.
  Result<void> listen(const std::filesystem::path& path, mode_t mode,
                      std::optional<gid_t> group = std::nullopt,
                      std::optional<uid_t> owner = std::nullopt);
  /// Stops accepting and removes the socket file.
  void stop();

  /// Defined in the .cpp; public only so that the connection coroutines there can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

/// The JSON error reply every channel uses: {"ok":false,"error":{"code":…,"message":…}}.
std::string errorReply(std::string_view code, std::string_view message);

}  // namespace novacron::agent
