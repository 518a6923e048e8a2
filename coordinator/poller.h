#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "coordinator/config.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/database.h"

#include <boost/asio/steady_timer.hpp>

namespace boost::asio {
class io_context;
}

namespace novacron::coordinator {

/// Reads the feed of the pollable nodes (poll.nodes): `GET /v1/status` for the node's store and
/// state, then `GET /v1/incidents?after=CURSOR`, turned into the push body they amount to and
/// checked and written by the same decoder and statement as a push, so that an event that arrives
/// both ways is stored once. Which coordinator polls a node is a lease in PostgreSQL
/// (Database::claimPolls); the cursor is kept there too. At most poll.concurrency polls in
/// flight; the next poll of a node after poll.interval with ±10 % jitter, at once while its feed
/// has more, and after a failure with exponential backoff (up to 5 minutes). Event-loop only.
class Poller {
 public:
  Poller(boost::asio::io_context& io, Database& db, const Config& config,
         CoordinatorMetrics& metrics);
  ~Poller();
  void start();
  void stop();

 private:
  struct Poll;
  void tick();
  /// Claims as many due nodes as there is room for in flight.
  void claim();
  void run(Database::Claimed claimed);
  void finish(const std::shared_ptr<Poll>& p, bool ok, int64_t cursor, bool more,
              const std::string& error);
  const PollTarget* target(const std::string& node) const;

  boost::asio::io_context& io_;
  Database& db_;
  const Config& config_;
  CoordinatorMetrics& metrics_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  size_t in_flight_ = 0;
  bool claiming_ = false, registered_ = false;
  bool backlog_ = false;            ///< the last claim was full: more nodes may be due
  std::vector<std::string> nodes_;  ///< poll.nodes' ids
  std::mt19937 rng_{std::random_device{}()};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace novacron::coordinator
