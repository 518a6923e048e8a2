#pragma once

#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace novacron::testing {

// A hostile local user's rename race: a child process, running as `uid` (when the test is root),
// exchanges two names in a directory with renameat2(RENAME_EXCHANGE) as fast as it can, until it
// is stopped or `bound` has passed. Each exchange is atomic: whoever opens either name gets one
// of the two objects, and which one the racer decides.
class NameSwapper {
 public:
  NameSwapper(const std::string& dir, const std::string& a, const std::string& b, uid_t uid,
              gid_t gid, std::chrono::seconds bound = std::chrono::seconds(20)) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(ready[0]);
      if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
                               ::setresuid(uid, uid, uid) != 0))
        _exit(2);
      int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) _exit(3);
      auto end = std::chrono::steady_clock::now() + bound;
      bool told = false;
      while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < 1000; ++i) {
          long r = ::syscall(SYS_renameat2, fd, a.c_str(), fd, b.c_str(), RENAME_EXCHANGE);
          if (r == 0) ++swaps_in_child_;
        }
        if (!told) {
          char c = swaps_in_child_ > 0 ? 'y' : 'n';
          (void)!::write(ready[1], &c, 1);
          told = true;
        }
      }
      _exit(0);
    }
    ::close(ready[1]);
    char c = 0;
    // The test starts once the racer has swapped (or said it cannot).
    if (pid_ > 0 && ::read(ready[0], &c, 1) == 1) racing_ = c == 'y';
    ::close(ready[0]);
  }
  ~NameSwapper() { stop(); }
  NameSwapper(const NameSwapper&) = delete;
  NameSwapper& operator=(const NameSwapper&) = delete;

  // True once the racer has exchanged the two names at least once.
  bool racing() const { return racing_; }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  bool racing_ = false;
  long swaps_in_child_ = 0;
};

}  // namespace novacron::testing
