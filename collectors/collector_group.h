#pragma once

#include <string>
#include <vector>

#include "collectors/collector.h"
#include "collectors/source.h"
#include "metrics/metric_store.h"

namespace novacron::collectors {

/// Collectors that run together at one interval (the host sweep, the process table). A sweep
/// runs each collector, records its health, keeps its latest batch for /metrics and appends it
/// to the store. A failing collector never stops the others. A group that `reports` shows its
/// collectors in the status matrix, /healthz and `novacron status`; the agent's own does not.
/// Event-loop only.
class CollectorGroup final : public collectors::Source {
 public:
  CollectorGroup(std::string name, std::vector<collectors::CollectorPtr> collectors,
                 bool reports = true)
      : name_(std::move(name)), reports_(reports) {
    for (auto& c : collectors) add(std::move(c));
  }

  void add(collectors::CollectorPtr collector) {
    CollectorHealth h;
    h.name = std::string(collector->name());
    health_.push_back(std::move(h));
    latest_.emplace_back();
    hints_.emplace_back();
    collectors_.push_back(std::move(collector));
  }

  /// Runs every collector once with `budget` each. Failures are returned as messages for the
  /// caller to log (only on a change of state, so a dead source does not flood the journal).
  std::vector<std::string> sweep(TimePoint now, milliseconds budget, metrics::MetricStore& store);

  std::string_view name() const override { return name_; }
  void latest(collectors::Batches& out) const override;
  void status(std::vector<collectors::SourceStatus>& rows) const override;
  void sampling(std::vector<std::pair<std::string, const CollectorHealth*>>& out) const override;
  const std::vector<CollectorHealth>& health() const { return health_; }
  /// The latest successful batch of each collector, in collector order (empty after a failure,
  /// so /metrics never serves stale values as current).
  const std::vector<std::vector<metrics::Sample>>& latest() const { return latest_; }
  const std::vector<collectors::CollectorPtr>& collectors() const { return collectors_; }

 private:
  std::string name_;
  bool reports_ = true;
  std::vector<collectors::CollectorPtr> collectors_;
  std::vector<CollectorHealth> health_;
  std::vector<std::vector<metrics::Sample>> latest_;
  std::vector<metrics::MetricStore::AppendHint> hints_;  // one per collector
};

}  // namespace novacron::collectors
