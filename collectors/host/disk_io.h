#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/proc_file.h"
#include "collectors/collector.h"
#include "metrics/counter_history.h"

namespace novacron::collectors {

/// One device line of /proc/diskstats.
struct DiskCounters {
  enum Field { kReads, kSectorsRead, kWrites, kSectorsWritten, kIoMillis, kFields };
  std::string device;
  std::array<uint64_t, kFields> counters{};
};

/// Parses /proc/diskstats ("major minor name" then at least 11 counters).
Result<std::vector<DiskCounters>> parseDiskstats(std::string_view text);

/// Per block device throughput and busy time from <root>/proc/diskstats. Only whole devices
/// listed in <root>/sys/block are reported (partitions would count the same I/O twice);
/// loop and ram devices are skipped.
class DiskIoCollector final : public Collector {
 public:
  explicit DiskIoCollector(const std::filesystem::path& root);
  std::string_view name() const override { return "disk_io"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  bool wanted(const std::string& device);

  ProcFile diskstats_;
  std::filesystem::path sys_block_;
  // Whether each device of the last read is a whole disk: asked of /sys once per device name,
  // not twice per device every sweep (a name's answer never changes; a name gone is forgotten).
  std::unordered_map<std::string, bool> whole_disk_;
  metrics::CounterHistory<DiskCounters::kFields> history_;
};

}  // namespace novacron::collectors
