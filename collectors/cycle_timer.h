#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// The loop every polled source repeats: one cycle an interval on the loop, the next starting
/// `interval` after this one started (at once if it overran), never while this one runs; and
/// once stopped (or gone), no callback of a cycle still in flight acts. Probes, scrape targets
/// and polled instances each hold one. Event-loop only.
class CycleTimer {
 public:
  explicit CycleTimer(boost::asio::io_context& io);
  ~CycleTimer();
  CycleTimer(const CycleTimer&) = delete;
  CycleTimer& operator=(const CycleTimer&) = delete;

  /// Runs `cycle` at once and then after each end(); `cycle` must lead to end() exactly once.
  void start(std::function<void()> cycle);
  /// This cycle has ended: the next starts `interval` after it started. Returns how long it took.
  std::chrono::steady_clock::duration end(std::chrono::milliseconds interval);
  void stop();
  bool running() const { return *alive_; }

  /// Wraps a callback so that it does nothing once stopped or gone.
  template <class F>
  auto whileRunning(F f) const {
    return [alive = alive_, f = std::move(f)](auto&&... args) mutable {
      if (*alive) f(std::forward<decltype(args)>(args)...);
    };
  }

 private:
  struct Timer;
  void schedule(std::chrono::milliseconds delay);

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(false);
  std::unique_ptr<Timer> timer_;
  std::function<void()> cycle_;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace novacron::collectors
