#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "base/proc_file.h"
#include "collectors/collector.h"
#include "metrics/counter_history.h"

namespace novacron::collectors {

/// One interface line of /proc/net/dev.
struct InterfaceCounters {
  enum Field {
    kRxBytes,
    kRxPackets,
    kRxErrors,
    kRxDrops,
    kTxBytes,
    kTxPackets,
    kTxErrors,
    kTxDrops,
    kFields
  };
  std::string name;
  std::array<uint64_t, kFields> counters{};
};

/// Parses /proc/net/dev (two header lines, then "iface: 16 counters").
Result<std::vector<InterfaceCounters>> parseNetDev(std::string_view text);

/// Per-interface traffic, error and drop rates from <root>/proc/net/dev.
class NetworkCollector final : public Collector {
 public:
  explicit NetworkCollector(const std::filesystem::path& root);
  std::string_view name() const override { return "network"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  ProcFile netdev_;
  metrics::CounterHistory<InterfaceCounters::kFields> history_;
};

}  // namespace novacron::collectors
