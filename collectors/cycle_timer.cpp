#include "collectors/cycle_timer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

namespace novacron::collectors {

struct CycleTimer::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
};

CycleTimer::CycleTimer(boost::asio::io_context& io) : timer_(std::make_unique<Timer>(io)) {}

CycleTimer::~CycleTimer() { stop(); }

void CycleTimer::start(std::function<void()> cycle) {
  cycle_ = std::move(cycle);
  // A fresh token: what an earlier run left in flight stays dead.
  alive_ = std::make_shared<bool>(true);
  schedule(std::chrono::milliseconds(0));
}

void CycleTimer::stop() {
  *alive_ = false;
  timer_->timer.cancel();
}

void CycleTimer::schedule(std::chrono::milliseconds delay) {
  timer_->timer.expires_after(delay);
  timer_->timer.async_wait(whileRunning([this](boost::system::error_code ec) {
    if (ec) return;
    started_ = std::chrono::steady_clock::now();
    cycle_();
  }));
}

std::chrono::steady_clock::duration CycleTimer::end(std::chrono::milliseconds interval) {
  auto elapsed = std::chrono::steady_clock::now() - started_;
  if (running())
    schedule(std::max(interval - std::chrono::duration_cast<std::chrono::milliseconds>(elapsed),
                      std::chrono::milliseconds(0)));
  return elapsed;
}

}  // namespace novacron::collectors
