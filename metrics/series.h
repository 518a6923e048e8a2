#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/clock.h"
#include "metrics/sample.h"

namespace novacron::metrics {

/// A point as the store hands it out.
struct Point {
  TimePoint t;
  double v;
};

/// A point as the store keeps it: 8 bytes instead of 16, which halves the memory of 15 minutes
/// of history. The time is an offset from the series' base; the value a float, whose 7
/// significant digits are ample for thresholds and trends (/metrics serves the collectors'
/// doubles, not these).
struct StoredPoint {
  int32_t offset_ms;
  float v;
};

/// The points of a window: a ring buffer's range is at most two contiguous runs, oldest first.
struct Window {
  std::span<const StoredPoint> first, second;
  TimePoint base{};
  size_t size() const { return first.size() + second.size(); }
  bool empty() const { return first.empty() && second.empty(); }
  Point decode(const StoredPoint& p) const { return {base + milliseconds(p.offset_ms), p.v}; }
  Point front() const { return decode(first.empty() ? second.front() : first.front()); }
  Point back() const { return decode(second.empty() ? first.back() : second.back()); }
  template <class F>
  void forEach(F&& f) const {
    for (const StoredPoint& p : first) f(decode(p));
    for (const StoredPoint& p : second) f(decode(p));
  }
};

/// The recent points of one series in a ring buffer, oldest first, strictly increasing in time.
/// The buffer grows while the retention needs more room and shrinks when a burst is over, so
/// memory follows what the window actually holds.
class Series {
 public:
  Series(const MetricDef* metric, Labels labels) : metric_(metric), labels_(std::move(labels)) {}

  const MetricDef& metric() const { return *metric_; }
  const MetricDef* metricPtr() const { return metric_; }
  const Labels& labels() const { return labels_; }

  /// Appends a point. A point not newer than the last one is dropped: false.
  bool append(TimePoint t, double v);

  /// Drops points older than `cutoff`, and the oldest beyond `max_points`. Memory is given back
  /// only once the window is full (points fell out of it), never while it fills.
  void trim(TimePoint cutoff, size_t max_points);

  /// The most points the store keeps of this series (set by the store, for its trims).
  size_t maxPoints() const { return max_points_; }
  void setMaxPoints(size_t n) {
    max_points_ = static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
  }

  /// Makes room before an append to a full ring: at once for all the points `retention` will hold
  /// at the spacing seen so far (at most `max_points`), or double. Doubling alone kept a
  /// sampler's memory growing for the whole first retention after start (16 points, 32, ...,
  /// 1,024 for 15 minutes at 1 s); sized from its first 16 points, a series reaches its size
  /// within 16 samples and stays there.
  void grow(milliseconds retention, size_t max_points);

  bool full() const { return size_ == buf_.size(); }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return buf_.size(); }
  Point back() const { return decode(at(size_ - 1)); }

  /// The points in (now - window, now].
  Window window(TimePoint now, milliseconds window) const;

 private:
  const StoredPoint& at(size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  Point decode(const StoredPoint& p) const { return {base_ + milliseconds(p.offset_ms), p.v}; }
  // Moves the base to the oldest point so that offsets stay far from overflowing.
  void rebase();
  // First logical index whose time is after `t`.
  size_t firstAfter(TimePoint t, size_t from) const;
  void resize(size_t capacity);

  const MetricDef* metric_;
  Labels labels_;
  std::vector<StoredPoint> buf_;  // capacity is 0 or a power of two
  TimePoint base_{};
  size_t head_ = 0;
  size_t size_ = 0;
  uint32_t max_points_ = UINT32_MAX;
};

/// The window functions of the condition language. Each returns nullopt ("unknown") when the
/// window holds too few points to answer honestly.
enum class WindowFn { kLast, kAvg, kMin, kMax, kRate, kPredictLinear };

/// Latest value in the window.
std::optional<double> windowLast(const Series& s, TimePoint now, milliseconds window);
std::optional<double> windowAvg(const Series& s, TimePoint now, milliseconds window);
std::optional<double> windowMin(const Series& s, TimePoint now, milliseconds window);
std::optional<double> windowMax(const Series& s, TimePoint now, milliseconds window);
/// Per-second increase of a counter over the window, counting a decrease as a reset (the
/// Prometheus convention); for a gauge, the average slope. Needs two points.
std::optional<double> windowRate(const Series& s, TimePoint now, milliseconds window);
/// Least-squares fit over the window, extrapolated `horizon` past `now`. Needs two points at
/// distinct times.
std::optional<double> windowPredictLinear(const Series& s, TimePoint now, milliseconds window,
                                          milliseconds horizon);

/// Dispatches on `fn`; `horizon` is used by kPredictLinear only.
std::optional<double> evalWindow(WindowFn fn, const Series& s, TimePoint now, milliseconds window,
                                 milliseconds horizon = milliseconds{0});

}  // namespace novacron::metrics
