#pragma once
// The incident store's upkeep, a component of the agent with its own timer and state: at start
// (before start-up's memory is given back, so that the SQL it runs leaves no SQLite pages
// resident) and then once a minute, on a timer of its own rather than in the policy's
// evaluation, whose time it would count. Event-loop only.
#include <boost/asio/steady_timer.hpp>

#include <cstdint>

#include "agent/config/config.h"
#include "base/clock.h"

namespace novacron::incidents {
class Store;
}

namespace novacron::agent {

class StoreUpkeep {
 public:
  /// `config` is the agent's, read at every run: a reload's limits apply at the next.
  StoreUpkeep(boost::asio::io_context& io, const Clock& clock, const Config& config)
      : clock_(clock), config_(config), timer_(io) {}

  /// Runs it now on `store`, then once a minute until stop().
  void start(incidents::Store& store);
  void stop() { timer_.cancel(); }

 private:
  void run();
  void schedule();
  /// Once an hour, resolved and escalated incidents past store.retention go, with their events.
  void purgeOldIncidents(TimePoint now);
  /// If anything was written since the last time: store.max_size_mib.
  void boundSize();

  const Clock& clock_;
  const Config& config_;
  boost::asio::steady_timer timer_;
  incidents::Store* store_ = nullptr;
  TimePoint last_purge_{};
  int64_t writes_at_size_check_ = -1;  // the store's write count when its size was last bounded
  bool over_size_ = false;             // warned once until it is under again
};

}  // namespace novacron::agent
