#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/proc_file.h"
#include "collectors/collector.h"
#include "collectors/collector_group.h"
#include "metrics/metric_store.h"

namespace novacron::collectors {

/// Outcome of the last configuration (re)load, for Prometheus.
struct ReloadStatus {
  bool successful = true;
  TimePoint last_success{};
};

/// What the policy engine did in the last cycle, for Prometheus.
struct PolicyStats {
  size_t playbooks_enabled = 0;
  size_t playbooks_disabled = 0;
  double last_evaluation_seconds = 0;
  std::map<std::string, int> firing;  ///< open incidents by playbook
  bool dry_run = false;
};

/// The agent's view of itself as samples: collector health, its own CPU and memory, the metric
/// store's size and the last reload. Stored and served like any other collector, so playbooks can
/// react to a collector that went down.
class SelfCollector final : public collectors::Collector {
 public:
  SelfCollector(std::vector<const CollectorGroup*> groups, const metrics::MetricStore& store,
                const ReloadStatus& reload, const PolicyStats& policy, TimePoint started);
  std::string_view name() const override { return "agent"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  std::vector<const CollectorGroup*> groups_;
  const metrics::MetricStore& store_;
  const ReloadStatus& reload_;
  const PolicyStats& policy_;
  TimePoint started_;
  ProcFile statm_{"/proc/self/statm"};  // held open: read every sweep
};

/// The metrics of SelfCollector, for the catalogue.
std::span<const metrics::MetricDef* const> selfMetrics();

/// Resident set size of this process in bytes, from its /proc/self/statm.
std::optional<double> selfResidentBytes(ProcFile& statm);

}  // namespace novacron::collectors
