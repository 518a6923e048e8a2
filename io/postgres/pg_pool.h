#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "io/postgres/pg_connection.h"

namespace boost::asio {
class io_context;
}

namespace novacron::io {

struct PgPoolOptions {
  std::string conninfo;  ///< never logged nor put in an error
  size_t size = 8;       ///< connections at most
  /// Queries waiting for a connection at most; beyond, a query fails at once with kUnavailable
  /// ("busy"): a saturated database slows no one down further, it says so.
  size_t max_waiting = 256;
  milliseconds connect_timeout{std::chrono::seconds(5)};
};

/// The pool's state now, for metrics and health.
struct PgPoolStats {
  size_t size = 0, connected = 0, busy = 0, waiting = 0;
  uint64_t queries = 0, failures = 0, refused_busy = 0, connects = 0, connect_failures = 0;
  std::string last_error;
  bool reachable = false;  ///< the last connection attempt or query reached the server
};

using PgParams = std::vector<std::optional<std::string>>;
using PgDone = std::function<void(Result<std::vector<PgResult>>)>;

/// A bounded set of PgConnections on the loop: a query takes a free connection (connecting one
/// when fewer than `size` exist), waits in a bounded queue when all are busy, and fails at once
/// when the queue is full. A connection that fails is closed and made again by the next query,
/// so a database that restarts is used again without a restart of ours. Event-loop only.
class PgPool {
 public:
  PgPool(boost::asio::io_context& io, PgPoolOptions options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  /// One statement with its parameters; `timeout` covers the wait for a connection too.
  void query(std::string sql, PgParams params, milliseconds timeout, PgDone done);
  /// The same for a statement in static storage (a constant): a query waiting in the queue holds
  /// no copy of its text, so thousands waiting cost only their parameters.
  void query(const char* static_sql, PgParams params, milliseconds timeout, PgDone done);
  PgPoolStats stats() const;

 private:
  struct Slot;
  struct Waiting;
  void enqueue(std::shared_ptr<Waiting> w);
  void run(Slot& slot, std::shared_ptr<Waiting> w);
  void release(Slot& slot);

  boost::asio::io_context& io_;
  PgPoolOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::deque<std::shared_ptr<Waiting>> queue_;
  PgPoolStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace novacron::io
