#pragma once

#include <nlohmann/json_fwd.hpp>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "collectors/target_health.h"
#include "metrics/sample.h"

namespace novacron::collectors {

/// One sampling collector's recent runs, for /healthz and `novacron status`.
struct CollectorHealth : TargetHealth {
  TimePoint last_success{};
};

/// The batches that /metrics and `novacron metrics` serve: pointers into the sources, and the
/// batches a source makes on the spot, kept here for as long as the list is used.
struct Batches {
  std::vector<const std::vector<metrics::Sample>*> list;
  std::deque<std::vector<metrics::Sample>> owned;
  void add(const std::vector<metrics::Sample>& batch) { list.push_back(&batch); }
  void add(std::vector<metrics::Sample>&& batch) {
    owned.push_back(std::move(batch));
    list.push_back(&owned.back());
  }
};

/// Anything whose samples the agent serves and whose health it reports: the host sweep, the
/// process table, probes, PostgreSQL, the agent itself, delivery to the coordinator and to
/// Alertmanager. The agent holds a list of sources and names none: /metrics, the status matrix,
/// health and shutdown iterate over it. Event-loop only.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view name() const = 0;
  /// Ends what the source runs on the loop (timers, connections); it serves nothing after.
  virtual void stop() {}
  /// Its latest batches, for /metrics.
  virtual void latest(Batches& out) const = 0;
  /// Its rows of the status matrix.
  virtual void status(std::vector<SourceStatus>&) const {}
  /// Its sampling collectors (the sweeps the watchdog and /healthz watch).
  virtual void sampling(std::vector<std::pair<std::string, const CollectorHealth*>>&) const {}
  /// What `novacron <source> status` shows (db, cache); null for a source without such a view.
  virtual nlohmann::json describe() const;
};

}  // namespace novacron::collectors
