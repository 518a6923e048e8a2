#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "agent/collector_group.h"
#include "collectors/collector.h"
#include "collectors/metric_store.h"

namespace novacron::agent {

/// Outcome of the last configuration (re)load, for Prometheus.
struct ReloadStatus {
  bool successful = true;
  TimePoint last_success{};
};

/// The agent's view of itself as samples: collector health, its own CPU and memory, the metric
/// store's size and the last reload. Stored and served like any other collector, so playbooks can
/// react to a collector that went down.
class SelfCollector final : public collectors::Collector {
 public:
  SelfCollector(std::vector<const CollectorGroup*> groups, const collectors::MetricStore& store,
                const ReloadStatus& reload, TimePoint started);
  std::string_view name() const override { return "agent"; }
  std::span<const collectors::MetricDef* const> metrics() const override;
  Result<std::vector<collectors::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  std::vector<const CollectorGroup*> groups_;
  const collectors::MetricStore& store_;
  const ReloadStatus& reload_;
  TimePoint started_;
};

/// Resident set size of this process in bytes, from /proc/self/statm.
std::optional<double> selfResidentBytes();

}  // namespace novacron::agent
