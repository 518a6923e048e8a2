#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>

#include "io/resident_memory.h"

namespace novacron::io {

/// Runs releaseStartupMemory() on the loop's thread `first` after start() (once start-up has
/// settled), then every `every`: what one-off work mapped since (an incident's code and SQLite
/// pages, a reload's parsers, an operator's `incidents show`) goes back within that time instead
/// of staying resident for the life of the process. Each release costs the loop its code's
/// minor faults back, a few hundred microseconds. The agent and the broker each hold one.
class MemoryRelease {
 public:
  explicit MemoryRelease(boost::asio::io_context& io,
                         std::function<void()> release = releaseStartupMemory)
      : timer_(io), release_(std::move(release)) {}
  /// Starts over: the first release `first` from now, then one every `every`.
  void start(std::chrono::milliseconds first = std::chrono::seconds(10),
             std::chrono::milliseconds every = std::chrono::minutes(10));
  void stop() { timer_.cancel(); }

 private:
  void wait(std::chrono::milliseconds delay);

  boost::asio::steady_timer timer_;
  std::function<void()> release_;
  std::chrono::milliseconds every_{};
};

}  // namespace novacron::io
