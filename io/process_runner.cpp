#include "io/process_runner.h"

#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/v2/environment.hpp>
// Boost 1.81's header-only mode leaves out the definition of process_environment::on_setup;
// this translation unit is the only user of Boost.Process, so it brings it in.
#include <boost/process/v2/impl/environment.ipp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/text.h"
#include "io/orphans.h"

namespace novacron::io {

namespace asio = boost::asio;
namespace bp2 = boost::process::v2;

namespace {

// Closes every descriptor but stdio and those the launcher keeps (its exec-error pipe). Boost
// 1.81's own close_all skips the gaps between kept descriptors (it compares an entry with
// itself), which leaked the agent's listening sockets, database and lock into every action.
// Runs between fork and exec in a multi-threaded parent: no allocation, only system calls.
template <class Keep>
void closeInherited(const Keep& keep) {
  constexpr int kMaxKeep = 16;
  int fds[kMaxKeep];
  int n = 0;
  for (int fd : keep) {
    if (fd > 2 && n < kMaxKeep) fds[n++] = fd;
  }
  for (int i = 1; i < n; ++i) {  // insertion sort: no allocation
    for (int j = i; j > 0 && fds[j - 1] > fds[j]; --j) std::swap(fds[j - 1], fds[j]);
  }
  unsigned from = 3;
  for (int i = 0; i <= n; ++i) {
    unsigned to = i < n ? static_cast<unsigned>(fds[i]) : ~0U;
    if (from < to) {
      unsigned last = i < n ? to - 1 : ~0U;
      if (::close_range(from, last, 0) != 0) {
        // Kernels before 5.9: close one by one, bounded.
        unsigned stop = std::min<unsigned>(last, 65535);
        for (unsigned fd = from; fd <= stop; ++fd) ::close(static_cast<int>(fd));
      }
    }
    if (i < n) from = static_cast<unsigned>(fds[i]) + 1;
  }
}

// Runs in the child between fork and exec: its own process group, so that a timeout reaches
// every process it started; no descriptor of the agent's; if asked, another user with no
// supplementary groups; and death with the agent. The last closes the window in which an agent
// killed with -9 has forked a child but not yet recorded its pid and the child has not yet
// exec'd with the run marker in its environment: nothing at restart could find it.
struct ChildSetup {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<int> cgroup_procs;  // opened by the parent; written here, before anything runs
  pid_t agent = ::getpid();
  template <class Launcher>
  bp2::error_code on_exec_setup(Launcher& launcher, const bp2::filesystem::path&,
                                const char* const*&) {
    // Into the run's cgroups first: everything the program starts is born there.
    for (int fd : cgroup_procs) {
      if (::write(fd, "0", 1) != 1) return {errno, bp2::system_category()};
    }
    closeInherited(launcher.fd_whitelist);
    if (::setpgid(0, 0) != 0) return {errno, bp2::system_category()};
    if (gid || uid) {
      if (::setgroups(0, nullptr) != 0) return {errno, bp2::system_category()};
    }
    if (gid && ::setgid(*gid) != 0) return {errno, bp2::system_category()};
    if (uid && ::setuid(*uid) != 0) return {errno, bp2::system_category()};
    // After the user switch, which clears it.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return {errno, bp2::system_category()};
    if (::getppid() != agent) return {ESRCH, bp2::system_category()};
    return {};
  }
};

struct Run : std::enable_shared_from_this<Run> {
  Run(asio::io_context& io, ProcessSpec s, std::function<void(ProcessResult)> d)
      : spec(std::move(s)),
        done(std::move(d)),
        out_pipe(io),
        err_pipe(io),
        timer(io),
        grace(io),
        exit_fd(io),
        exit_poll(io) {}

  ProcessSpec spec;
  std::function<void(ProcessResult)> done;
  asio::readable_pipe out_pipe, err_pipe;
  asio::steady_timer timer;
  asio::steady_timer grace;  // after the exit: the pipes, then the cgroup emptying
  std::optional<bp2::process> proc;
  // The child's exit, awaited on a pidfd of our own and reaped with WNOHANG only: Boost 1.81's
  // async_wait calls a blocking waitpid whenever the pidfd looks readable, and it once looked
  // readable for a live child, which stopped the whole agent.
  asio::posix::stream_descriptor exit_fd;
  asio::steady_timer exit_poll;  // kernels without pidfd_open (before 5.3): a short poll
  ProcessResult result;
  std::chrono::steady_clock::time_point start;
  uint64_t start_ticks = 0;  // since boot: nothing that started before is the run's
  std::array<char, 16384> out_buf{}, err_buf{};
  int pending = 3;  // the exit and the two pipes' ends
  bool exited = false;

  // Every process of the run: its cgroup, or its process group.
  void signalAll(int sig) {
    if (spec.cgroup) {
      if (sig == SIGKILL)
        spec.cgroup->kill();
      else
        spec.cgroup->signal(sig);
    } else if (result.pid > 0) {
      ::kill(-result.pid, sig);
    }
  }

  void finishOne() {
    if (--pending > 0) return;
    timer.cancel();
    grace.cancel();
    // Output is bytes; the result is text that goes into JSON documents.
    result.out = truncateUtf8(result.out, spec.max_output);
    result.err = truncateUtf8(result.err, spec.max_output);
    result.duration =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    if (spec.cgroup) {
      result.usage = spec.cgroup->usage();
      result.oom_killed = result.usage.oom_kills > 0;
      awaitEmpty(200);
      return;
    }
    deliver();
  }

  // A cgroup killed is empty a moment later: the run ends when nothing of it is left (bounded;
  // its owner removes it, and what does not go is cleaned up at the next start).
  void awaitEmpty(int tries) {
    if (!spec.cgroup->populated() || tries == 0) {
      deliver();
      return;
    }
    spec.cgroup->kill();
    grace.expires_after(milliseconds(10));
    grace.async_wait([self = shared_from_this(), tries](boost::system::error_code) {
      self->awaitEmpty(tries - 1);
    });
  }

  void deliver() {
    auto cb = std::move(done);
    cb(std::move(result));
  }

  void awaitExit() {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(result.pid), &info, WEXITED | WNOHANG) == 0 &&
        info.si_pid == result.pid) {
      if (info.si_code == CLD_EXITED) result.exit_code = info.si_status;
      if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) result.signal = info.si_status;
      exitedNow();
      return;
    }
    if (errno == ECHILD && info.si_pid == 0 && ::kill(result.pid, 0) != 0 && errno == ESRCH) {
      exitedNow();  // reaped elsewhere: it is gone all the same
      return;
    }
    auto again = [self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->awaitExit();
    };
    if (exit_fd.is_open()) {
      exit_fd.async_wait(asio::posix::stream_descriptor::wait_read, again);
    } else {
      exit_poll.expires_after(milliseconds(20));
      exit_poll.async_wait(again);
    }
  }

  void exitedNow() {
    exited = true;
    boost::system::error_code closed;
    exit_fd.close(closed);
    // Whatever the program left behind goes with it: in its cgroup, whatever it did to leave its
    // group; without one, its group and what carries the run's marker.
    if (spec.cgroup) {
      result.left_behind = spec.cgroup->kill();
    } else {
      // Counted as one when the group still had members: counting them would cost a scan of
      // /proc at every run.
      bool group = result.pid > 0 && ::kill(-result.pid, SIGKILL) == 0;
      result.left_behind =
          (group ? 1 : 0) + static_cast<size_t>(std::max(
                                0, endMarkedProcesses(spec.marker, result.pid, start_ticks)));
    }
    // A leftover that escaped may still hold the pipes: read them a short while more, then end.
    grace.expires_after(spec.exit_grace);
    grace.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      self->out_pipe.close(ignored);
      self->err_pipe.close(ignored);
    });
    finishOne();
  }

  void read(asio::readable_pipe& pipe, std::array<char, 16384>& buf, std::string& text,
            uint64_t& bytes, bool& truncated) {
    pipe.async_read_some(asio::buffer(buf), [self = shared_from_this(), &pipe, &buf, &text, &bytes,
                                             &truncated](boost::system::error_code ec, size_t n) {
      bytes += n;
      // A few bytes past the bound, so that the character straddling it is seen whole and the
      // cut at the end falls on a character boundary.
      size_t keep = self->spec.max_output + 3;
      size_t room = keep > text.size() ? keep - text.size() : 0;
      text.append(buf.data(), std::min(n, room));
      if (bytes > self->spec.max_output) truncated = true;
      if (ec) {
        self->finishOne();
        return;
      }
      self->read(pipe, buf, text, bytes, truncated);
    });
  }

  void armTimeout() {
    timer.expires_after(spec.timeout);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->exited) return;
      self->result.timed_out = true;
      self->signalAll(SIGTERM);
      self->timer.expires_after(self->spec.kill_grace);
      self->timer.async_wait([self](boost::system::error_code ec2) {
        if (ec2 || self->exited) return;
        self->result.killed = true;
        self->signalAll(SIGKILL);
      });
    });
  }
};

}  // namespace

std::vector<std::string> baseEnvironment() {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"};
}

void runProcess(asio::io_context& io, ProcessSpec spec, std::function<void(ProcessResult)> done) {
  auto run = std::make_shared<Run>(io, std::move(spec), std::move(done));
  auto fail = [&](std::string why) {
    run->result.error = std::move(why);
    // Still through the loop, so that callers see one behaviour whatever happens.
    asio::post(io, [run] {
      auto cb = std::move(run->done);
      cb(std::move(run->result));
    });
  };
  const ProcessSpec& s = run->spec;
  if (s.argv.empty()) return fail("no program to run");
  bp2::filesystem::path exe(s.argv[0]);
  if (!exe.is_absolute()) return fail("program " + s.argv[0] + " is not an absolute path");
  if (::access(exe.c_str(), X_OK) != 0)
    return fail("cannot execute " + s.argv[0] + ": " + std::strerror(errno));
  std::vector<std::string> args(s.argv.begin() + 1, s.argv.end());
  run->start = std::chrono::steady_clock::now();
  run->start_ticks = bootTicksNow();
  run->result.containment = s.cgroup ? "cgroup" : "process_group";
  ChildSetup setup{s.uid, s.gid, s.cgroup ? s.cgroup->procsFds() : std::vector<int>{}};
  try {
    if (s.cwd) {
      run->proc.emplace(
          io.get_executor(), exe, args, bp2::process_stdio{nullptr, run->out_pipe, run->err_pipe},
          bp2::process_environment(s.env), bp2::process_start_dir(s.cwd->string()), setup);
    } else {
      run->proc.emplace(io.get_executor(), exe, args,
                        bp2::process_stdio{nullptr, run->out_pipe, run->err_pipe},
                        bp2::process_environment(s.env), setup);
    }
  } catch (const std::exception& e) {
    return fail(std::string("cannot start ") + s.argv[0] + ": " + e.what());
  }
  run->result.started = true;
  run->result.pid = run->proc->id();
  // From here the child is ours to wait for (awaitExit); Boost's handle and its pidfd go.
  { auto handle = run->proc->detach(); }
  if (int fd = static_cast<int>(::syscall(SYS_pidfd_open, run->result.pid, 0)); fd >= 0)
    run->exit_fd.assign(fd);
  if (run->spec.on_started) run->spec.on_started(run->result.pid);
  run->read(run->out_pipe, run->out_buf, run->result.out, run->result.out_bytes,
            run->result.out_truncated);
  run->read(run->err_pipe, run->err_buf, run->result.err, run->result.err_bytes,
            run->result.err_truncated);
  run->armTimeout();
  run->awaitExit();
}

}  // namespace novacron::io
