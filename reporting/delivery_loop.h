#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "io/http_client.h"

namespace boost::asio {
class io_context;
}

namespace novacron::reporting {

using std::chrono::milliseconds;

/// The wait before retry number `failures` (1, 2, ...): `initial` doubling up to `max`, of which
/// the upper half is random (`random01` in [0, 1)), so that a fleet does not retry in step.
milliseconds backoffDelay(int failures, milliseconds initial, milliseconds max, double random01);

/// A failed HTTP exchange in one line: the transport error, or the status and the start of the
/// body.
std::string describeResponse(const io::HttpClientResponse& r);

/// The pacing the coordinator reporter and the Alertmanager pusher share: one timer, at most one
/// request in flight, wake-ups gathered into one run, backoff with jitter after failures, and no
/// callback that outlives stop(). `work` runs on the loop whenever the timer fires; it sends with
/// send() and schedules its next run. Event-loop only.
class DeliveryLoop {
 public:
  DeliveryLoop(boost::asio::io_context& io, std::function<void()> work);
  ~DeliveryLoop();
  DeliveryLoop(const DeliveryLoop&) = delete;
  DeliveryLoop& operator=(const DeliveryLoop&) = delete;

  void start();  ///< runs `work` at once
  void stop();   ///< cancels the timer and drops the answer of a request in flight
  bool running() const;
  bool inFlight() const;

  /// Runs `work` after `delay`, replacing whatever was scheduled.
  void schedule(milliseconds delay);
  /// Something new to send: `work` runs after `gather` — unless a request is in flight, a run
  /// is already due, or a backoff is running out, which the caller's work then picks up.
  void wake(milliseconds gather);
  /// Sends `request`; `done` runs on the loop with the answer, unless stop() came first.
  void send(io::HttpClientRequest request, std::function<void(const io::HttpClientResponse&)> done);

  /// A failure: counts it and returns the wait before the next try (see backoffDelay), at least
  /// `retry_after` when the server named one, never more than `max`. `log` says whether the
  /// failure is worth a line: the first, one with a new reason, then every tenth.
  milliseconds failed(const std::string& error, milliseconds initial, milliseconds max,
                      std::optional<milliseconds> retry_after, bool& log);
  /// A success, or a new configuration: the backoff starts over.
  void succeeded();
  int consecutiveFailures() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace novacron::reporting
