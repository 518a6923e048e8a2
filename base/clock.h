#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

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

/// The one UTC formatter: `t` to the second in a strftime format ("%Y%m%dT%H%M%SZ" for ids,
/// "%Y-%m-%d %H:%M:%SZ" for tables).
inline std::string formatUtc(TimePoint t, const char* format) {
  std::time_t secs = static_cast<std::time_t>(t.time_since_epoch().count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof(buf), format, &tm));
}

/// RFC 3339 in UTC with milliseconds, e.g. 2026-11-26T10:15:00.120Z.
inline std::string formatTimestamp(TimePoint t) {
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03dZ", static_cast<int>(t.time_since_epoch().count() % 1000));
  return formatUtc(t, "%Y-%m-%dT%H:%M:%S") + ms;
}

inline double toSeconds(TimePoint t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1e3;
}

}  // namespace novacron
