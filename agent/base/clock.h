#pragma once

#include <chrono>

namespace novacron {

/// Wall-clock time as the agent uses it: milliseconds since the Unix epoch.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using std::chrono::milliseconds;

/// The agent's source of time. Injected everywhere so that tests can drive time by hand.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Never goes backwards, even when the system clock is stepped; thread-safe.
  virtual TimePoint now() const = 0;
};

/// Wall time anchored at construction and advanced by CLOCK_MONOTONIC: a step of the system
/// clock (an NTP jump, an operator's `date -s`) cannot reorder samples or blind the windows of the
/// metric store, while slewing keeps it close to real time.
class MonotonicWallClock final : public Clock {
 public:
  MonotonicWallClock()
      : wall_anchor_(std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now())),
        steady_anchor_(std::chrono::steady_clock::now()) {}

  TimePoint now() const override {
    return wall_anchor_ + std::chrono::duration_cast<milliseconds>(
                              std::chrono::steady_clock::now() - steady_anchor_);
  }

 private:
  TimePoint wall_anchor_;
  std::chrono::steady_clock::time_point steady_anchor_;
};

inline double toSeconds(TimePoint t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1e3;
}

}  // namespace novacron
