#pragma once

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

namespace novacron::testing {

/// Runs `body` in a child in a network namespace of its own, so that the host's firewall is
/// never touched; returns what the child wrote (empty: all went well), or why it could not run.
/// Call it before the test starts threads: the child is a fork.
inline std::string inOwnNetns(const std::function<std::string()>& body) {
  int p[2];
  if (::pipe(p) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string out;
    if (::unshare(CLONE_NEWNET) != 0) {
      out = std::string("unshare: ") + std::strerror(errno);
    } else {
      out = body();
    }
    (void)!::write(p[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof(buf))) > 0;) got.append(buf, size_t(n));
  ::close(p[0]);
  ::waitpid(pid, nullptr, 0);
  return got;
}

}  // namespace novacron::testing
