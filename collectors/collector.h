#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "metrics/sample.h"

namespace novacron::collectors {

/// A source of samples: one file per source under collectors/. A collector reads the host only
/// through what its constructor was given (a root directory, a function), so tests run it on
/// fixtures. Collectors are stateful: rates and ratios come from the previous call's counters.
class Collector {
 public:
  virtual ~Collector() = default;

  /// Stable, snake_case; used as the `collector` label of the agent's own metrics.
  virtual std::string_view name() const = 0;

  /// Every metric this collector can emit. Static storage; never changes.
  virtual std::span<const metrics::MetricDef* const> metrics() const = 0;

  /// Reads the source once. `now` is the sweep's time (monotonic, see MonotonicWallClock);
  /// rates are computed against the `now` of the previous successful call. Returns within
  /// `budget`, never throws, not thread-safe (the event loop calls it).
  virtual Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) = 0;
};

using CollectorPtr = std::unique_ptr<Collector>;

}  // namespace novacron::collectors
