#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/containment.h"

namespace boost::asio {
class io_context;
}

namespace novacron::io {

using std::chrono::milliseconds;

/// A child process as the agent runs it: never through a shell.
struct ProcessSpec {
  /// argv[0] is an absolute path: a root daemon must not look programs up in a PATH.
  std::vector<std::string> argv;
  /// The whole environment ("KEY=VALUE"); nothing of the agent's own is inherited.
  std::vector<std::string> env;
  std::optional<std::filesystem::path> cwd;
  /// Run as this user and group instead of the agent's (supplementary groups dropped).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  /// After this the process group gets SIGTERM, and SIGKILL `kill_grace` later.
  milliseconds timeout{std::chrono::seconds(60)};
  milliseconds kill_grace{std::chrono::seconds(5)};
  /// Bytes of stdout and of stderr kept, cut on a character boundary and made valid UTF-8; the
  /// rest is read and counted, not kept.
  size_t max_output = 64 * 1024;
  /// Called on the loop once the child runs, with its pid (also its process group id).
  std::function<void(pid_t)> on_started;
  /// The run's cgroup (actions/containment.h): the child enters it before it executes, and at
  /// the timeout or when the child exits, everything in it is killed. None: the process group
  /// only, and after the run a sweep for `marker` (a child that left the group with setsid).
  RunCgroupPtr cgroup;
  std::string marker;
  /// After the main process has exited, its output is read this much longer; then the run ends
  /// whatever its leftovers hold open.
  milliseconds exit_grace{std::chrono::seconds(1)};
};

struct ProcessResult {
  bool started = false;
  std::string error;  ///< why it did not start
  pid_t pid = 0;
  int exit_code = -1;  ///< when it exited
  int signal = 0;      ///< when a signal ended it
  bool timed_out = false;
  bool killed = false;  ///< SIGKILL was needed
  std::string out, err;
  uint64_t out_bytes = 0, err_bytes = 0;  ///< everything it wrote, kept or not
  bool out_truncated = false, err_truncated = false;
  milliseconds duration{0};
  std::string containment;  ///< "cgroup" or "process_group"
  size_t left_behind = 0;   ///< processes still running when the main one exited, all killed
  RunUsage usage;           ///< from the run's cgroup
  bool oom_killed = false;  ///< the kernel's OOM killer ended the run (its memory_max)
};

/// The environment every action starts from: a fixed PATH and the C.UTF-8 locale.
std::vector<std::string> baseEnvironment();

/// Starts `spec` on `io` and calls `done` on the loop once the child has exited, its process
/// group has been killed (no grandchild outlives an action) and its output has been read. Never
/// blocks; a program that cannot start gives `started == false` and the reason.
void runProcess(boost::asio::io_context& io, ProcessSpec spec,
                std::function<void(ProcessResult)> done);

}  // namespace novacron::io
