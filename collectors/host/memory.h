#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "base/proc_file.h"
#include "collectors/collector.h"

namespace novacron::collectors {

/// The /proc/meminfo fields the agent uses, in bytes.
struct MemInfo {
  uint64_t total = 0, available = 0, free = 0, buffers = 0, cached = 0;
  uint64_t swap_total = 0, swap_free = 0;
};

/// Parses /proc/meminfo. MemAvailable is estimated from MemFree + Buffers + Cached on kernels
/// older than 3.14 that lack it.
Result<MemInfo> parseMeminfo(std::string_view text);

/// The /proc/vmstat counters the agent uses.
struct VmStat {
  uint64_t page_faults = 0, major_page_faults = 0, swap_in_pages = 0, swap_out_pages = 0;
};
Result<VmStat> parseVmstat(std::string_view text);

/// Memory and swap from <root>/proc/meminfo, paging rates from <root>/proc/vmstat.
class MemoryCollector final : public Collector {
 public:
  /// `page_size` converts swapped pages to bytes.
  MemoryCollector(const std::filesystem::path& root, uint64_t page_size);
  std::string_view name() const override { return "memory"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  ProcFile meminfo_;
  ProcFile vmstat_;
  uint64_t page_size_;
  std::optional<VmStat> prev_;
  TimePoint prev_time_{};
};

}  // namespace novacron::collectors
