#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/instance_health.h"
#include "collectors/postgres/postgres_config.h"
#include "io/postgres/pg_connection.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// One PostgreSQL instance, collected on its own timer over one libpq connection on the loop
/// (collectors/pg_connection.h). Every query runs with a statement_timeout and the client-side
/// deadline of `timeout`; a database that is down, refuses or hangs gives novacron_pg_up 0 within
/// it, and the connection is re-established with backoff (1 s doubling to 1 min). Samples go to
/// `sink` (the metric store) and stay for /metrics. Event-loop only.
class PostgresCollector {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  PostgresCollector(boost::asio::io_context& io, const Clock& clock,
                    collectors::PostgresConfig config, Sink sink);
  ~PostgresCollector();
  PostgresCollector(const PostgresCollector&) = delete;
  PostgresCollector& operator=(const PostgresCollector&) = delete;

  void start();
  void stop();
  const InstanceHealth& health() const { return health_; }
  const collectors::PostgresConfig& config() const { return config_; }
  /// The backend pid of the agent's own session, so that actions never cancel it.
  int ownPid() const { return conn_ ? conn_->backendPid() : 0; }

 private:
  struct State;
  void schedule(milliseconds delay);
  void cycle();
  void collect();
  void finishCycle();
  void runQueries(std::vector<metrics::Sample> samples, size_t index);
  void publish(TimePoint now, std::vector<metrics::Sample> samples, const std::string& error);
  std::vector<metrics::Sample> parse(const std::vector<io::PgResult>& results, TimePoint now);

  boost::asio::io_context& io_;
  const Clock& clock_;
  collectors::PostgresConfig config_;
  Sink sink_;
  std::shared_ptr<io::PgConnection> conn_;
  std::shared_ptr<State> state_;
  InstanceHealth health_;
};

}  // namespace novacron::collectors
