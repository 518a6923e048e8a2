#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/proc_file.h"
#include "collectors/collector.h"
#include "collectors/host/statfs_worker.h"

namespace novacron::collectors {

struct Mount {
  std::string device, mountpoint, fstype;
  std::string options;  ///< as the kernel lists them: rw,nosuid,hidepid=invisible
  bool read_only = false;
};

/// Parses /proc/self/mounts, decoding the octal escapes (\040 for a space) the kernel writes.
Result<std::vector<Mount>> parseMounts(std::string_view text);

/// The value of NAME=VALUE among a mount's options; "" for a NAME without one; nullopt if absent.
std::optional<std::string_view> mountOption(std::string_view options, std::string_view name);

/// Filesystem types that hold no user data (proc, sysfs, cgroup, overlay layers...): skipped
/// unless the configuration names its own list.
const std::set<std::string>& defaultExcludedFstypes();

struct DiskSpaceOptions {
  std::set<std::string> exclude_fstypes = defaultExcludedFstypes();
  /// A statvfs still unanswered after this long marks its mount unavailable (novacron_disk_up 0).
  milliseconds statfs_timeout{2000};
  size_t max_threads = 4;
};

/// Space and inodes of every mounted filesystem listed in <root>/proc/self/mounts. statvfs runs
/// on a StatfsWorker: collect() waits for answers at most `budget`; a mount that is slow reports
/// its last answer, one that has not answered within statfs_timeout is reported down.
class DiskSpaceCollector final : public Collector {
 public:
  DiskSpaceCollector(const std::filesystem::path& root, DiskSpaceOptions options,
                     StatfsFn statfs = realStatfs());
  std::string_view name() const override { return "disk_space"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  ProcFile mounts_;
  std::optional<std::vector<Mount>> visible_;  // the mounts as last read, filtered
  std::vector<std::string> paths_;             // their mountpoints, asked of the worker each sweep
  DiskSpaceOptions options_;
  StatfsWorker worker_;
};

}  // namespace novacron::collectors
