#pragma once

#include <filesystem>

#include "base/proc_file.h"
#include "collectors/collector.h"

namespace novacron::collectors {

struct LoadAvg {
  double load1 = 0, load5 = 0, load15 = 0;
  uint64_t runnable = 0;  ///< tasks runnable right now: the run queue
  uint64_t tasks = 0;     ///< scheduling entities (processes and threads) that exist
};

/// Parses /proc/loadavg: "0.20 0.18 0.12 1/80 11206".
Result<LoadAvg> parseLoadavg(std::string_view text);

/// Load averages and the run queue from <root>/proc/loadavg.
class LoadCollector final : public Collector {
 public:
  explicit LoadCollector(const std::filesystem::path& root);
  std::string_view name() const override { return "load"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  ProcFile loadavg_;
};

}  // namespace novacron::collectors
