#include "collectors/series.h"

namespace novacron::collectors {

std::optional<double> windowLast(const Series& s, TimePoint now, milliseconds window) {
  auto [b, e] = s.window(now, window);
  if (b == e) return std::nullopt;
  return std::prev(e)->v;
}

std::optional<double> windowAvg(const Series& s, TimePoint now, milliseconds window) {
  auto [b, e] = s.window(now, window);
  if (b == e) return std::nullopt;
  double sum = 0;
  for (auto it = b; it != e; ++it) sum += it->v;
  return sum / static_cast<double>(e - b);
}

std::optional<double> windowMin(const Series& s, TimePoint now, milliseconds window) {
  auto [b, e] = s.window(now, window);
  if (b == e) return std::nullopt;
  return std::min_element(b, e, [](const Point& x, const Point& y) { return x.v < y.v; })->v;
}

std::optional<double> windowMax(const Series& s, TimePoint now, milliseconds window) {
  auto [b, e] = s.window(now, window);
  if (b == e) return std::nullopt;
  return std::max_element(b, e, [](const Point& x, const Point& y) { return x.v < y.v; })->v;
}

std::optional<double> windowRate(const Series& s, TimePoint now, milliseconds window) {
  auto [b, e] = s.window(now, window);
  if (e - b < 2) return std::nullopt;
  const bool counter = s.metric().type == MetricType::kCounter;
  double increase = 0;
  for (auto it = std::next(b); it != e; ++it) {
    double d = it->v - std::prev(it)->v;
    // A counter that went down restarted from zero: its new value is the increase.
    increase += (counter && d < 0) ? it->v : d;
  }
  double dt = std::chrono::duration<double>(std::prev(e)->t - b->t).count();
  return increase / dt;
}

std::optional<double> windowPredictLinear(const Series& s, TimePoint now, milliseconds window,
                                          milliseconds horizon) {
  auto [b, e] = s.window(now, window);
  if (e - b < 2) return std::nullopt;
  // Times relative to `now` keep the sums small enough for doubles to stay exact.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto it = b; it != e; ++it) {
    double x = std::chrono::duration<double>(it->t - now).count();
    n += 1;
    sx += x;
    sy += it->v;
    sxx += x * x;
    sxy += x * it->v;
  }
  double denom = n * sxx - sx * sx;
  if (denom == 0) return std::nullopt;
  double slope = (n * sxy - sx * sy) / denom;
  double intercept = (sy - slope * sx) / n;  // value at `now`
  return intercept + slope * std::chrono::duration<double>(horizon).count();
}

std::optional<double> evalWindow(WindowFn fn, const Series& s, TimePoint now, milliseconds window,
                                 milliseconds horizon) {
  switch (fn) {
    case WindowFn::kLast:
      return windowLast(s, now, window);
    case WindowFn::kAvg:
      return windowAvg(s, now, window);
    case WindowFn::kMin:
      return windowMin(s, now, window);
    case WindowFn::kMax:
      return windowMax(s, now, window);
    case WindowFn::kRate:
      return windowRate(s, now, window);
    case WindowFn::kPredictLinear:
      return windowPredictLinear(s, now, window, horizon);
  }
  return std::nullopt;
}

}  // namespace novacron::collectors
