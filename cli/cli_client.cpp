#include "cli/cli_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron::cli {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` on fd until the deadline; false on timeout or error.
bool waitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<std::string> roundTrip(const std::string& socket_path, const std::string& request,
                              std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return makeError(ErrorCode::kInvalidArgument, "socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    return makeError(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR) {
      return makeError(ErrorCode::kNotFound, std::strerror(err));
    }
    if (err == EACCES || err == EPERM) return makeError(ErrorCode::kPermission, std::strerror(err));
    return makeError(ErrorCode::kIo, std::strerror(err));
  }
  std::string line = request + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    if (!waitFor(fd.get(), POLLOUT, deadline))
      return makeError(ErrorCode::kTimeout, "timed out sending");
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      // The agent may refuse a connection (too many open) with a reply and close it at once:
      // that reply is still there to read.
      if (errno == EPIPE || errno == ECONNRESET) break;
      return makeError(ErrorCode::kIo, std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[65536];
  for (;;) {
    if (!waitFor(fd.get(), POLLIN, deadline))
      return makeError(ErrorCode::kTimeout, "timed out waiting for the agent");
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET && reply.empty())
        return makeError(ErrorCode::kIo, "the agent closed the connection without a reply");
      return makeError(ErrorCode::kIo, std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    if (size_t nl = reply.find('\n'); nl != std::string::npos) {
      reply.resize(nl);
      return reply;
    }
  }
  if (reply.empty())
    return makeError(ErrorCode::kIo, "the agent closed the connection without a reply");
  return reply;
}

}  // namespace novacron::cli
