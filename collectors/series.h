#pragma once

#include <algorithm>
#include <deque>
#include <optional>

#include "agent/base/clock.h"
#include "collectors/sample.h"

namespace novacron::collectors {

struct Point {
  TimePoint t;
  double v;
};

/// The recent points of one series, oldest first, strictly increasing in time.
class Series {
 public:
  Series(const MetricDef* metric, Labels labels) : metric_(metric), labels_(std::move(labels)) {}

  const MetricDef& metric() const { return *metric_; }
  const MetricDef* metricPtr() const { return metric_; }
  const Labels& labels() const { return labels_; }

  /// Appends a point. A point not newer than the last one is dropped: false.
  bool append(TimePoint t, double v) {
    if (!points_.empty() && t <= points_.back().t) return false;
    points_.push_back({t, v});
    return true;
  }

  /// Drops points older than `cutoff`, and the oldest beyond `max_points`.
  void trim(TimePoint cutoff, size_t max_points) {
    while (!points_.empty() && (points_.front().t < cutoff || points_.size() > max_points)) {
      points_.pop_front();
    }
  }

  bool empty() const { return points_.empty(); }
  size_t size() const { return points_.size(); }
  const Point& back() const { return points_.back(); }

  using const_iterator = std::deque<Point>::const_iterator;
  /// The points in (now - window, now].
  std::pair<const_iterator, const_iterator> window(TimePoint now, milliseconds window) const {
    auto after = [](const Point& p, TimePoint t) { return p.t <= t; };
    auto first = std::lower_bound(points_.begin(), points_.end(), now - window, after);
    return {first, std::lower_bound(first, points_.end(), now, after)};
  }

 private:
  const MetricDef* metric_;
  Labels labels_;
  std::deque<Point> points_;
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
