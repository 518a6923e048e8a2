#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "io/resource_limits.h"

namespace novacron::io {

/// How an action's processes are held together, so that nothing an action started outlives it.
enum class ContainmentMode {
  kSystemd,       ///< a cgroup per run under the unit's delegated cgroup (Delegate=yes)
  kCgroup,        ///< a cgroup per run in a subtree the agent made on a writable cgroup v2
  kProcessGroup,  ///< no writable cgroup: the run's process group, and a sweep for its marker
};
const char* containmentName(ContainmentMode mode);

using ActionResources = io::ResourceLimits;

/// What a run used, read from its cgroups when it ends.
struct RunUsage {
  std::optional<uint64_t> memory_peak;  ///< bytes (needs the memory controller)
  std::optional<double> cpu_seconds;    ///< CPU time of all its processes
  uint64_t oom_kills = 0;               ///< processes the kernel's OOM killer ended
};

/// The cgroups of one action run: a cgroup v2 that holds and kills its processes, and, on a
/// hybrid host where the controllers stay in cgroup v1, one v1 cgroup per controller for its
/// limits. Event-loop only; each call is a few small cgroupfs reads or writes.
class RunCgroup {
 public:
  /// `dirs`: the v2 directory first, then the v1 ones; each with its cgroup.procs open for
  /// writing.
  explicit RunCgroup(std::vector<std::pair<std::filesystem::path, int>> dirs)
      : dirs_(std::move(dirs)) {}
  ~RunCgroup();
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  /// The cgroup.procs to write "0" to between fork and exec, so that the child (and all it
  /// starts) is in every cgroup of the run before the program runs.
  std::vector<int> procsFds() const;
  const std::filesystem::path& dir() const { return dirs_.front().first; }
  /// The live processes in it.
  std::vector<pid_t> pids() const;
  bool populated() const;
  /// Sends `sig` to every process in it.
  void signal(int sig) const;
  /// Kills everything in it at once: cgroup.kill (Linux 5.14); without it, freeze, SIGKILL each
  /// process, thaw. Returns how many processes were in it.
  size_t kill() const;
  RunUsage usage() const;
  /// Removes the cgroups once they are empty. False if something is still in them: the caller
  /// tries again a little later, and the next start cleans up what is left.
  bool remove();

 private:
  std::vector<std::pair<std::filesystem::path, int>> dirs_;
  bool removed_ = false;
};
using RunCgroupPtr = std::shared_ptr<RunCgroup>;

/// Where the runs' cgroups are made. Set up once, at start, by the agent; shared read-only.
class Containment {
 public:
  /// Finds the best containment this process can have: under systemd with a delegated cgroup,
  /// moves the agent into `<unit>/agent` and makes `<unit>/actions`; as root on a writable cgroup
  /// v2 mount, makes `<mount><own cgroup>/novacron/<instance>/actions`; otherwise process groups.
  /// Limits use the v2 controllers where the hierarchy has them, else those still in cgroup v1
  /// (a hybrid host), else none. `instance` names this agent's state (the store id), so that a
  /// restart finds what a killed predecessor left.
  static Containment setUp(const std::string& instance);
  /// Process groups only.
  Containment() = default;

  ContainmentMode mode() const { return mode_; }
  /// One line for the start-up log and `novacron status`.
  const std::string& description() const { return description_; }
  /// Whether memory, task and CPU limits are enforced, each.
  bool memoryLimit() const { return memory_.has_value(); }
  bool tasksLimit() const { return pids_.has_value(); }
  bool cpuLimit() const { return cpu_.has_value(); }
  const std::filesystem::path& actionsDir() const { return actions_; }

  /// New cgroups for run `name` (e.g. "run-17") with its limits; nullptr in process-group mode.
  Result<RunCgroupPtr> create(const std::string& name, const ActionResources& resources) const;
  /// The cgroups a previous agent left: each is killed and removed. Returns their names with how
  /// many processes each held. Blocks at most about two seconds per cgroup (start-up only).
  std::vector<std::pair<std::string, size_t>> endLeftovers() const;
  /// Kills what is in run `name`'s cgroups now (a run ended before its end); how many processes
  /// it held. 0 in process-group mode.
  size_t kill(const std::string& name) const;
  /// The agent stops: what is left in the runs' cgroups is killed, and the cgroups this agent
  /// made are removed (in systemd mode the unit's cgroup goes with the unit).
  void tearDown() const;

 private:
  /// Where a controller's run cgroups go: under actions_ (`v1` false) or a v1 directory.
  struct Controller {
    bool v1 = false;
    std::filesystem::path base;
  };
  ContainmentMode mode_ = ContainmentMode::kProcessGroup;
  std::string description_ = "process groups (no cgroup v2 hierarchy)";
  std::filesystem::path actions_;
  std::optional<Controller> memory_, pids_, cpu_;
  std::vector<std::filesystem::path> made_;  ///< directories to remove at tearDown, deepest first
  /// The cgroups of run `name` as they are, to kill and remove.
  std::unique_ptr<RunCgroup> existing(const std::string& name) const;
};

}  // namespace novacron::io
