#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/polled_instance.h"
#include "collectors/postgres/postgres_config.h"
#include "io/postgres/pg_connection.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// One PostgreSQL instance, collected on its own timer over one libpq connection on the loop
/// (io/postgres/pg_connection.h). Every query runs with a statement_timeout and the client-side
/// deadline of `timeout`; a database that is down, refuses or hangs gives novacron_pg_up 0 within
/// it, and the connection is re-established with backoff (collectors/polled_instance.h). Samples
/// go to `sink` (the metric store) and stay for /metrics. Event-loop only.
class PostgresCollector final : public PolledInstance {
 public:
  PostgresCollector(boost::asio::io_context& io, const Clock& clock, PostgresConfig config,
                    Sink sink);
  ~PostgresCollector() override;

  const PostgresConfig& config() const { return config_; }
  /// The backend pid of the agent's own session, so that actions never cancel it.
  int ownPid() const { return conn_ ? conn_->backendPid() : 0; }

 private:
  bool connected() const override;
  void connect(std::function<void(Result<void>)> done) override;
  void collect(bool may_reconnect) override;
  void disconnect() override;
  void runQueries(std::vector<metrics::Sample> samples, size_t index);
  std::vector<metrics::Sample> parse(const std::vector<io::PgResult>& results, TimePoint now);

  struct Counters {
    TimePoint at;
    double commits, rollbacks, deadlocks, temp;
  };
  PostgresConfig config_;
  std::shared_ptr<io::PgConnection> conn_;
  std::map<std::string, Counters> previous_;  // per database
  std::map<std::string, std::chrono::steady_clock::time_point> query_due_;
  std::map<std::string, double> query_values_;  // the last value of each custom query
};

}  // namespace novacron::collectors
