#include "metrics/series.h"

#include <bit>
#include <climits>

namespace novacron::metrics {

namespace {
constexpr size_t kMinCapacity = 16;
}  // namespace

void Series::resize(size_t capacity) {
  std::vector<StoredPoint> next(capacity);
  for (size_t i = 0; i < size_; ++i) next[i] = at(i);
  buf_ = std::move(next);
  head_ = 0;
}

void Series::rebase() {
  TimePoint next = size_ ? decode(at(0)).t : base_;
  int32_t shift = static_cast<int32_t>((next - base_).count());
  for (size_t i = 0; i < size_; ++i) buf_[(head_ + i) & (buf_.size() - 1)].offset_ms -= shift;
  base_ = next;
}

void Series::grow(milliseconds retention, size_t max_points) {
  size_t want = std::max(kMinCapacity, buf_.size() * 2);
  if (size_ >= 2) {
    milliseconds spacing = (decode(at(size_ - 1)).t - decode(at(0)).t) / (size_ - 1);
    if (spacing.count() > 0) {
      // One more than the window's share, for the jitter of a timer.
      size_t expect = std::min<size_t>(max_points, retention / spacing + 1);
      want = std::max(want, std::bit_ceil(expect));
    }
  }
  resize(want);
}

bool Series::append(TimePoint t, double v) {
  if (size_ == 0) base_ = t;
  if (size_ > 0 && t <= back().t) return false;
  // Offsets are 32-bit milliseconds (24 days); the retention is at most a day, so moving the
  // base to the oldest point always makes room.
  constexpr int64_t kMaxOffset = int64_t{1} << 30;
  if ((t - base_).count() >= kMaxOffset) {
    rebase();
    if ((t - base_).count() >= kMaxOffset) return false;
  }
  if (size_ == buf_.size()) resize(std::max(kMinCapacity, buf_.size() * 2));
  buf_[(head_ + size_) & (buf_.size() - 1)] = {static_cast<int32_t>((t - base_).count()),
                                               static_cast<float>(v)};
  ++size_;
  return true;
}

void Series::trim(TimePoint cutoff, size_t max_points) {
  // Each sweep drops one point or none: walked from the oldest rather than searched for.
  int64_t target = (cutoff - milliseconds{1} - base_).count();
  size_t drop = 0;
  while (drop < size_ && at(drop).offset_ms <= target) ++drop;
  if (size_ - drop > max_points) drop = size_ - max_points;
  if (drop == 0) return;
  head_ = (head_ + drop) & (buf_.size() - 1);
  size_ -= drop;
  // Give memory back once a burst (a shorter interval, a label explosion) has passed.
  if (buf_.size() > kMinCapacity && size_ < buf_.size() / 4)
    resize(std::max(kMinCapacity, buf_.size() / 2));
}

size_t Series::firstAfter(TimePoint t, size_t from) const {
  // Compare raw offsets: one subtraction here instead of a decode per probe.
  int64_t target = (t - base_).count();
  if (target < INT32_MIN) return from;
  if (target > INT32_MAX) return size_;
  size_t lo = from, hi = size_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(mid).offset_ms <= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

Window Series::window(TimePoint now, milliseconds window) const {
  size_t b = firstAfter(now - window, 0);
  size_t e = firstAfter(now, b);
  if (b == e) return {};
  size_t cap = buf_.size();
  size_t pb = (head_ + b) & (cap - 1);
  size_t n = e - b;
  if (pb + n <= cap) return {std::span<const StoredPoint>(buf_.data() + pb, n), {}, base_};
  size_t first = cap - pb;
  return {std::span<const StoredPoint>(buf_.data() + pb, first),
          std::span<const StoredPoint>(buf_.data(), n - first), base_};
}

std::optional<double> windowLast(const Series& s, TimePoint now, milliseconds window) {
  Window w = s.window(now, window);
  if (w.empty()) return std::nullopt;
  return w.back().v;
}

namespace {

// A floating-point sum is evaluated in order unless told otherwise, which keeps the CPU waiting
// on one addition at a time; four independent accumulators let four run at once. (The order of
// additions changes, which an average over a window does not notice.)
double sum(std::span<const StoredPoint> pts) {
  double a = 0, b = 0, c = 0, d = 0;
  size_t i = 0, n = pts.size();
  for (; i + 4 <= n; i += 4) {
    a += pts[i].v;
    b += pts[i + 1].v;
    c += pts[i + 2].v;
    d += pts[i + 3].v;
  }
  for (; i < n; ++i) a += pts[i].v;
  return (a + b) + (c + d);
}

template <class Better>
double extreme(std::span<const StoredPoint> pts, double best, Better better) {
  double a = best, b = best, c = best, d = best;
  size_t i = 0, n = pts.size();
  for (; i + 4 <= n; i += 4) {
    a = better(pts[i].v, a) ? pts[i].v : a;
    b = better(pts[i + 1].v, b) ? pts[i + 1].v : b;
    c = better(pts[i + 2].v, c) ? pts[i + 2].v : c;
    d = better(pts[i + 3].v, d) ? pts[i + 3].v : d;
  }
  for (; i < n; ++i) a = better(pts[i].v, a) ? pts[i].v : a;
  a = better(b, a) ? b : a;
  c = better(d, c) ? d : c;
  return better(c, a) ? c : a;
}

}  // namespace

std::optional<double> windowAvg(const Series& s, TimePoint now, milliseconds window) {
  Window w = s.window(now, window);
  if (w.empty()) return std::nullopt;
  return (sum(w.first) + sum(w.second)) / static_cast<double>(w.size());
}

std::optional<double> windowMin(const Series& s, TimePoint now, milliseconds window) {
  Window w = s.window(now, window);
  if (w.empty()) return std::nullopt;
  auto less = [](double a, double b) { return a < b; };
  return extreme(w.second, extreme(w.first, w.front().v, less), less);
}

std::optional<double> windowMax(const Series& s, TimePoint now, milliseconds window) {
  Window w = s.window(now, window);
  if (w.empty()) return std::nullopt;
  auto greater = [](double a, double b) { return a > b; };
  return extreme(w.second, extreme(w.first, w.front().v, greater), greater);
}

std::optional<double> windowRate(const Series& s, TimePoint now, milliseconds window) {
  Window w = s.window(now, window);
  if (w.size() < 2) return std::nullopt;
  const bool counter = s.metric().type == MetricType::kCounter;
  double increase = 0;
  std::optional<double> prev;
  w.forEach([&](const Point& p) {
    if (prev) {
      double d = p.v - *prev;
      // A counter that went down restarted from zero: its new value is the increase.
      increase += (counter && d < 0) ? p.v : d;
    }
    prev = p.v;
  });
  double dt = std::chrono::duration<double>(w.back().t - w.front().t).count();
  return increase / dt;
}

std::optional<double> windowPredictLinear(const Series& s, TimePoint now, milliseconds window,
                                          milliseconds horizon) {
  Window w = s.window(now, window);
  if (w.size() < 2) return std::nullopt;
  // Times relative to `now` keep the sums small enough for doubles to stay exact.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  w.forEach([&](const Point& p) {
    double x = std::chrono::duration<double>(p.t - now).count();
    n += 1;
    sx += x;
    sy += p.v;
    sxx += x * x;
    sxy += x * p.v;
  });
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

}  // namespace novacron::metrics
