#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "collectors/cycle_timer.h"
#include "collectors/instance_health.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// The cycle every server the agent polls shares (a PostgreSQL or Redis instance, the systemd
/// manager): its own timer, one cycle an interval (the next starts `interval` after this one
/// started, at once if it overran), a connection re-made with backoff (1 s doubling to 1 min,
/// each cycle in between published as down with the last error), every cycle published with
/// its `up` sample first, and its health. What a kind of server does — how it connects and what
/// a collection asks — is the subclass's: it ends every cycle with finish(). Event-loop only.
class PolledInstance {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  struct Settings {
    std::string name;  ///< the instance label
    std::chrono::milliseconds interval{std::chrono::seconds(15)};
    const metrics::MetricDef* up = nullptr;  ///< 1 when the cycle succeeded, else 0
  };
  PolledInstance(boost::asio::io_context& io, const Clock& clock, Settings settings, Sink sink);
  virtual ~PolledInstance();
  PolledInstance(const PolledInstance&) = delete;
  PolledInstance& operator=(const PolledInstance&) = delete;

  void start();
  /// Ends the timer and the connection; no callback acts after it.
  void stop();
  const InstanceHealth& health() const { return health_; }

 protected:
  /// Whether a connection is there to collect over (a server without one: always).
  virtual bool connected() const = 0;
  /// Makes the connection; `done` is called on the loop, with why not.
  virtual void connect(std::function<void(Result<void>)> done) = 0;
  /// One collection over the connection, ended by finish(). `may_reconnect`: the connection was
  /// there before this cycle, and one the server closed may be made again once
  /// (connectThenCollect(false)).
  virtual void collect(bool may_reconnect) = 0;
  virtual void disconnect() {}
  /// Called when a cycle is published as down: what the last good one left may go.
  virtual void down() {}

  /// Connects (with backoff on failure), then collects.
  void connectThenCollect(bool may_reconnect);
  /// Publishes the cycle (`error` empty: up) at `now` and schedules the next.
  void finish(std::vector<metrics::Sample> samples, const std::string& error);
  void finish(TimePoint now, std::vector<metrics::Sample> samples, const std::string& error);
  /// Wraps a callback so that it does nothing once the instance is stopped or gone: what
  /// connections call back after stop() must not touch it.
  template <class F>
  auto whileRunning(F f) {
    return cycle_.whileRunning(std::move(f));
  }
  bool running() const { return cycle_.running(); }
  const Clock& clock() const { return clock_; }
  const std::string& instanceName() const { return settings_.name; }
  InstanceHealth& mutableHealth() { return health_; }

 private:
  void cycle();

  const Clock& clock_;
  Settings settings_;
  Sink sink_;
  CycleTimer cycle_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_connect_{};
  InstanceHealth health_;
};

}  // namespace novacron::collectors
