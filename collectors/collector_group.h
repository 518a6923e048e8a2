#pragma once

#include <string>
#include <vector>

#include "collectors/collector.h"
#include "metrics/metric_store.h"

namespace novacron::agent {

/// What the agent knows about one collector's recent runs.
struct CollectorHealth {
  std::string name;
  bool ok = false;         ///< the last run succeeded
  std::string last_error;  ///< message of the last failure, kept after recovery
  double last_duration_seconds = 0;
  TimePoint last_success{};
  uint64_t runs = 0;
  uint64_t errors = 0;
};

/// Collectors that run together at one interval (the host sweep, the process table). A sweep
/// runs each collector, records its health, keeps its latest batch for /metrics and appends it
/// to the store. A failing collector never stops the others. Event-loop only.
class CollectorGroup {
 public:
  CollectorGroup(std::string name, std::vector<collectors::CollectorPtr> collectors)
      : name_(std::move(name)) {
    for (auto& c : collectors) add(std::move(c));
  }

  void add(collectors::CollectorPtr collector) {
    CollectorHealth h;
    h.name = std::string(collector->name());
    health_.push_back(std::move(h));
    latest_.emplace_back();
    collectors_.push_back(std::move(collector));
  }

  /// Runs every collector once with `budget` each. Failures are returned as messages for the
  /// caller to log (only on a change of state, so a dead source does not flood the journal).
  std::vector<std::string> sweep(TimePoint now, milliseconds budget,
                                 collectors::MetricStore& store);

  const std::string& name() const { return name_; }
  const std::vector<CollectorHealth>& health() const { return health_; }
  /// The latest successful batch of each collector, in collector order (empty after a failure,
  /// so /metrics never serves stale values as current).
  const std::vector<std::vector<collectors::Sample>>& latest() const { return latest_; }
  const std::vector<collectors::CollectorPtr>& collectors() const { return collectors_; }

 private:
  std::string name_;
  std::vector<collectors::CollectorPtr> collectors_;
  std::vector<CollectorHealth> health_;
  std::vector<std::vector<collectors::Sample>> latest_;
};

}  // namespace novacron::agent
