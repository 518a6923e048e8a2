#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace novacron::testing {

/// A hostile HTTP client: `n` connections, each sending half a request head and then nothing;
/// whenever the server closes one, it is opened again at once. Runs until `stop` is set or
/// `limit` passes, whichever comes first; counts in `opened` every connection it (re)opens.
inline void holdHalfRequests(uint16_t port, size_t n, const std::atomic<bool>& stop,
                             std::chrono::milliseconds limit, std::atomic<uint64_t>& opened) {
  auto open = [port] {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd);
      return -1;
    }
    static constexpr char kHalf[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    (void)::send(fd, kHalf, sizeof(kHalf) - 1, MSG_NOSIGNAL);
    return fd;
  };
  std::vector<pollfd> fds(n);
  for (auto& p : fds) {
    p = {open(), POLLIN, 0};
    ++opened;
  }
  auto until = std::chrono::steady_clock::now() + limit;
  while (!stop && std::chrono::steady_clock::now() < until) {
    ::poll(fds.data(), fds.size(), 20);
    for (auto& p : fds) {
      char buf[512];
      bool closed = p.fd < 0;
      if (!closed && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
        closed = ::recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0 || (p.revents & POLLHUP);
      }
      if (closed) {
        if (p.fd >= 0) ::close(p.fd);
        p.fd = open();
        ++opened;
      }
      p.revents = 0;
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
}

}  // namespace novacron::testing
