#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "base/proc_file.h"
#include "collectors/collector.h"

namespace novacron::collectors {

/// Tick counters of one CPU line of /proc/stat. `user` and `nice` already include guest time.
struct CpuTicks {
  enum Mode { kUser, kNice, kSystem, kIdle, kIowait, kIrq, kSoftirq, kSteal, kModes };
  std::array<uint64_t, kModes> ticks{};
  uint64_t total() const;
  uint64_t busy() const { return total() - ticks[kIdle] - ticks[kIowait]; }
};

struct ProcStat {
  CpuTicks all;
  std::map<int, CpuTicks> cores;  ///< online CPUs only: an offline CPU has no line
  uint64_t context_switches = 0;
  uint64_t interrupts = 0;
  uint64_t forks = 0;
};

/// Parses /proc/stat. Needs the aggregate `cpu` line and the ctxt, intr and processes counters.
Result<ProcStat> parseProcStat(std::string_view text);

/// CPU usage from <root>/proc/stat: total, per mode, per core; context switches, interrupts and
/// forks per second.
class CpuCollector final : public Collector {
 public:
  explicit CpuCollector(const std::filesystem::path& root);
  std::string_view name() const override { return "cpu"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  ProcFile stat_;
  std::optional<ProcStat> prev_;
  TimePoint prev_time_{};
};

}  // namespace novacron::collectors
