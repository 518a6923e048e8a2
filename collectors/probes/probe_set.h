#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/plugin.h"
#include "collectors/probes/probe.h"
#include "collectors/probes/probe_config.h"
#include "collectors/source.h"
#include "collectors/target_health.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// What `novacron status` shows for one probe.
struct ProbeHealth : TargetHealth {
  std::string type, target;
  double error_ratio = 0;  ///< over the probe's window
};

/// The configured service probes, each on its own timer: every check's outcome becomes
/// novacron_probe_up, novacron_probe_latency_seconds and novacron_probe_error_ratio (labels
/// probe, type), handed to `sink` for the metric store and kept for /metrics. A check never
/// overlaps the previous one of the same probe. Event-loop only.
class ProbeSet final : public collectors::Source {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  ProbeSet(boost::asio::io_context& io, const Clock& clock, std::string systemctl, Sink sink);
  ~ProbeSet();
  ProbeSet(const ProbeSet&) = delete;
  ProbeSet& operator=(const ProbeSet&) = delete;

  /// Replaces the probes (start and reload); the first checks run at once.
  void configure(const std::vector<collectors::ProbeConfig>& probes);
  void stop() override;

  std::string_view name() const override { return "probes"; }
  /// The latest samples of every probe, for /metrics.
  std::vector<metrics::Sample> latest() const;
  void latest(collectors::Batches& out) const override { out.add(latest()); }
  void status(std::vector<collectors::SourceStatus>& rows) const override;
  std::vector<ProbeHealth> health() const;

 private:
  struct Probe;
  void check(Probe& p);
  /// Records one check's outcome: the window, the health and the samples.
  void record(Probe& probe, const ProbeResult& r, std::chrono::steady_clock::time_point started);

  boost::asio::io_context& io_;
  const Clock& clock_;
  std::string systemctl_;
  Sink sink_;
  std::vector<std::shared_ptr<Probe>> probes_;
};

/// collectors.probes: its descriptor, listed in collectors/plugins.cpp.
extern const ListedSource kProbeSource;

}  // namespace novacron::collectors
