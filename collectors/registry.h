#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "collectors/collector.h"
#include "collectors/collector_group.h"
#include "collectors/host/processes.h"
#include "collectors/host/statfs_worker.h"
#include "collectors/source_options.h"

namespace novacron::collectors {

/// What collectors need from the host beyond the configuration; tests pass their own.
struct CollectorDeps {
  StatfsFn statfs = realStatfs();
  uint64_t page_size = 4096;
  double ticks_per_second = 100;
  /// The process table's task iterator, when the broker serves one (else /proc is read).
  OpenTaskStream open_tasks;
  static CollectorDeps current();
};

/// The host sweep, in the order it runs: cpu, memory, load, pressure (where the host has PSI),
/// disk_space, disk_io, network.
std::vector<CollectorPtr> makeHostCollectors(const HostOptions& options, const CollectorDeps& deps);
/// The process table.
std::vector<CollectorPtr> makeProcessCollectors(const ProcessOptions& options,
                                                const CollectorDeps& deps);

/// Every metric a source of samples can serve, whatever is configured (pressure's included on a
/// host without PSI), unsorted.
std::vector<const metrics::MetricDef*> sourceMetrics();

/// Whether `name` is one of the host's metrics as a condition names it: a source's metric by its
/// full name or without its novacron_ prefix (disk_used_ratio). An application's scraped series
/// may never take such a name, and a condition's name binds to the host's first: a local user
/// who runs or squats a scrape target cannot feed the built-in playbooks. Thread-safe.
bool isHostMetricName(std::string_view name);

/// A group the agent runs on a timer of its own, and how long each collector may take.
struct Sweep {
  CollectorGroup* group;
  milliseconds interval;
  milliseconds budget;
  std::string what;  ///< "the host sweep": how the log names it
};

/// The one registry of the sources of samples: the host and process sweeps, then every listed
/// source and plugin by its descriptor (collectors/plugins.cpp), each made from its options,
/// reconfigured from them on reload, listed for /metrics, the status matrix, health and
/// shutdown. The agent iterates over it and names none of them. Event-loop only.
class Sources {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  Sources(boost::asio::io_context& io, const Clock& clock, std::string systemctl, Sink sink,
          SourceOptions options, CollectorDeps deps);
  Sources(const Sources&) = delete;
  Sources& operator=(const Sources&) = delete;

  /// The sources that run on their own timers begin: call once the loop runs, so that no
  /// check's timeout runs while start-up blocks it.
  void start();
  /// Applies a reloaded configuration. A source whose options compare equal is left as it is;
  /// new host collectors start without baselines (one sweep without rates). Returns whether a
  /// sweep's interval changed, for the caller to reschedule.
  bool configure(const SourceOptions& next);
  void stop();

  /// In /metrics and status-matrix order.
  std::vector<Source*> all();
  std::vector<const Source*> all() const;
  /// The groups on the agent's timers. The first is the heartbeat: the policy is evaluated
  /// after each of its sweeps, and /healthz and the watchdog watch it.
  const std::vector<Sweep>& sweeps() const { return sweeps_; }
  milliseconds heartbeat() const { return options_.host_interval; }
  std::vector<const CollectorGroup*> groups() const { return {&host_, &processes_}; }
  /// What `novacron <source> status` shows, or null for a source that has no such view.
  nlohmann::json describe(std::string_view source) const;

 private:
  SourceOptions options_;
  CollectorDeps deps_;
  CollectorGroup host_;
  CollectorGroup processes_;
  PluginContext plugin_context_;
  std::vector<std::unique_ptr<Source>> listed_;  // one per listedSources(), in its order
  std::map<std::string, std::unique_ptr<Source>, std::less<>> plugins_;  // the configured ones
  bool started_ = false;
  void configurePlugins(const SourceOptions& next);
  std::vector<Sweep> sweeps_;  // made at construction and on reload, read on every tick
  void makeSweeps();
};

}  // namespace novacron::collectors
