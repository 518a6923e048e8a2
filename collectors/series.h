#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include "agent/base/clock.h"
#include "collectors/sample.h"

namespace novacron::collectors {

struct Point {
  TimePoint t;
  double v;
};

/// The points of a window: a ring buffer's range is at most two contiguous runs, oldest first.
struct Window {
  std::span<const Point> first, second;
  size_t size() const { return first.size() + second.size(); }
  bool empty() const { return first.empty() && second.empty(); }
  const Point& front() const { return first.empty() ? second.front() : first.front(); }
  const Point& back() const { return second.empty() ? first.back() : second.back(); }
  template <class F>
  void forEach(F&& f) const {
    for (const Point& p : first) f(p);
    for (const Point& p : second) f(p);
  }
};

/// The recent points of one series in a ring buffer, oldest first, strictly increasing in time.
/// The buffer grows by doubling while the retention needs more room and shrinks when a burst is
/// over, so memory follows what the window actually holds.
class Series {
 public:
  Series(const MetricDef* metric, Labels labels) : metric_(metric), labels_(std::move(labels)) {}

  const MetricDef& metric() const { return *metric_; }
  const MetricDef* metricPtr() const { return metric_; }
  const Labels& labels() const { return labels_; }

  /// Appends a point. A point not newer than the last one is dropped: false.
  bool append(TimePoint t, double v);

  /// Drops points older than `cutoff`, and the oldest beyond `max_points`.
  void trim(TimePoint cutoff, size_t max_points);

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return buf_.size(); }
  const Point& back() const { return at(size_ - 1); }

  /// The points in (now - window, now].
  Window window(TimePoint now, milliseconds window) const;

 private:
  const Point& at(size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  // First logical index whose time is after `t`.
  size_t firstAfter(TimePoint t, size_t from) const;
  void resize(size_t capacity);

  const MetricDef* metric_;
  Labels labels_;
  std::vector<Point> buf_;  // capacity is 0 or a power of two
  size_t head_ = 0;
  size_t size_ = 0;
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

}  // namespace novacron::collectors
