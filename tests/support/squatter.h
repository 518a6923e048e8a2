#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace novacron::testing {

// A local user's squatter on a loopback port: runs as `uid`, accepts one connection and reports
// every byte it was sent, until the peer closes or 5 s pass.
class Squatter {
 public:
  explicit Squatter(uid_t uid, gid_t gid) {
    int ports[2], got[2];
    if (::pipe(ports) != 0 || ::pipe(got) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ports[0]);
      ::close(got[0]);
      if (::setgid(gid) != 0 || ::setuid(uid) != 0) _exit(2);
      int s = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof(a);
      if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(s, 1) != 0 ||
          ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        _exit(3);
      uint16_t port = ntohs(a.sin_port);
      (void)!::write(ports[1], &port, sizeof(port));
      int c = ::accept(s, nullptr, nullptr);
      timeval tv{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      char buf[4096];
      ssize_t n;
      while ((n = ::read(c, buf, sizeof(buf))) > 0) (void)!::write(got[1], buf, n);
      _exit(0);
    }
    ::close(ports[1]);
    ::close(got[1]);
    if (::read(ports[0], &port_, sizeof(port_)) != sizeof(port_)) port_ = 0;
    ::close(ports[0]);
    got_ = got[0];
  }
  ~Squatter() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (got_ >= 0) ::close(got_);
  }
  uint16_t port() const { return port_; }
  // Everything it was sent, once it has ended.
  std::string received() {
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(got_, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int got_ = -1;
};

}  // namespace novacron::testing
