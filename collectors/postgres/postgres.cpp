#include "collectors/postgres/postgres.h"

#include <algorithm>
#include <charconv>

#include "base/text.h"
#include "collectors/postgres/postgres_metrics.h"

namespace novacron::collectors {

namespace {

using namespace std::chrono_literals;

// Everything in one round trip. Client backends only, the agent's own session left out.
std::string statsSql(milliseconds long_query) {
  std::string threshold = std::to_string(long_query.count());
  return R"sql(
SELECT current_setting('server_version_num')::bigint AS version,
       current_setting('max_connections')::bigint AS max_connections,
       pg_is_in_recovery()::int AS replica;
SELECT CASE WHEN wait_event_type = 'Lock' THEN 'waiting'
            WHEN state IN ('active', 'idle') THEN state
            WHEN state LIKE 'idle in transaction%' THEN 'idle_in_transaction'
            ELSE 'other' END AS state,
       count(*) AS n
  FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1;
SELECT COALESCE(EXTRACT(EPOCH FROM max(now() - query_start) FILTER (WHERE state = 'active')), 0)
         AS longest_query,
       COALESCE(EXTRACT(EPOCH FROM max(now() - xact_start)), 0) AS longest_xact,
       count(*) FILTER (WHERE state = 'active' AND now() - query_start > interval ')sql" +
         threshold + R"sql( milliseconds') AS long_queries
  FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid();
SELECT count(DISTINCT l.pid) AS waiting,
       COALESCE(EXTRACT(EPOCH FROM max(now() - a.state_change)), 0) AS oldest
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted;
SELECT d.datname, s.xact_commit, s.xact_rollback, s.deadlocks, s.temp_bytes, s.blks_hit,
       s.blks_read, pg_database_size(d.oid) AS size, age(d.datfrozenxid) AS xid_age
  FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid WHERE d.datallowconn;
SELECT CASE WHEN pg_is_in_recovery()
            THEN COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)
            ELSE COALESCE((SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn))
                             FROM pg_stat_replication), 0) END AS lag_bytes,
       CASE WHEN pg_is_in_recovery()
            THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
            ELSE COALESCE((SELECT EXTRACT(EPOCH FROM max(replay_lag)) FROM pg_stat_replication),
                          0) END AS lag_seconds;
)sql";
}

double num(const std::optional<std::string>& v) {
  if (!v) return 0;
  double d = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  return ec == std::errc() ? d : 0;
}

}  // namespace

PostgresCollector::PostgresCollector(boost::asio::io_context& io, const Clock& clock,
                                     PostgresConfig config, Sink sink)
    : PolledInstance(io, clock, {config.name, config.interval, postgresMetric("novacron_pg_up")},
                     std::move(sink)),
      config_(std::move(config)),
      conn_(io::PgConnection::create(io)) {}

PostgresCollector::~PostgresCollector() { stop(); }

bool PostgresCollector::connected() const { return conn_->connected(); }

void PostgresCollector::disconnect() { conn_->close(); }

void PostgresCollector::connect(std::function<void(Result<void>)> done) {
  auto dsn = io::readDsn(config_.dsn_file);
  if (!dsn) return done(dsn.error());
  conn_->connect(*dsn, config_.timeout, whileRunning([this, done](Result<void> r) {
    if (!r) return done(r);
    // The session: a statement_timeout as the server-side half of the deadline, a name that
    // marks it as the agent's (actions leave it alone), and read-only transactions.
    std::string setup = "SET statement_timeout = " + std::to_string(config_.timeout.count()) +
                        "; SET application_name = 'novacron-agent'; SET "
                        "default_transaction_read_only = on;";
    conn_->query(setup, config_.timeout, whileRunning([done](Result<std::vector<io::PgResult>> s) {
                   if (!s) return done(s.error());
                   done({});
                 }));
  }),
                 config_.server_user, "the PostgreSQL instance " + config_.name);
}

void PostgresCollector::collect(bool /*may_reconnect*/) {
  conn_->query(statsSql(config_.long_query_threshold), config_.timeout,
               whileRunning([this](Result<std::vector<io::PgResult>> r) {
                 if (!r) return finish({}, r.error().message);
                 std::vector<metrics::Sample> samples = parse(*r, clock().now());
                 runQueries(std::move(samples), 0);
               }));
}

// The custom SQL metrics that are due, one after the other, then the whole batch is published.
void PostgresCollector::runQueries(std::vector<metrics::Sample> samples, size_t index) {
  auto now = std::chrono::steady_clock::now();
  while (index < config_.queries.size() && query_due_[config_.queries[index].name] > now) {
    ++index;
  }
  if (index >= config_.queries.size()) {
    for (const auto& [name, value] : query_values_) {
      samples.push_back({postgresMetric("novacron_pg_query_value"),
                         {{"instance", config_.name}, {"query", name}},
                         value});
    }
    return finish(std::move(samples), "");
  }
  const PgQueryConfig& q = config_.queries[index];
  query_due_[q.name] = now + q.interval;
  conn_->query(q.sql, config_.timeout,
               whileRunning([this, samples = std::move(samples), index,
                             name = q.name](Result<std::vector<io::PgResult>> r) mutable {
                 if (!r || r->empty() || r->back().rows.empty() || r->back().columns.empty()) {
                   query_values_.erase(name);
                   std::string& error = mutableHealth().last_error;
                   error = "query " + name + ": " +
                           (r ? std::string("returned no value") : r.error().message);
                   if (!conn_->connected()) return finish({}, error);
                 } else {
                   query_values_[name] = num(r->back().rows[0][0]);
                 }
                 runQueries(std::move(samples), index + 1);
               }));
}

std::vector<metrics::Sample> PostgresCollector::parse(const std::vector<io::PgResult>& results,
                                                      TimePoint now) {
  std::vector<metrics::Sample> out;
  if (results.size() < 6) return out;
  const metrics::Labels inst = {{"instance", config_.name}};
  auto add = [&](const char* name, metrics::Labels labels, double v) {
    out.push_back({postgresMetric(name), std::move(labels), v});
  };
  const io::PgResult& info = results[0];
  double max_conn = num(info.get(0, "max_connections"));
  add("novacron_pg_server_version", inst, num(info.get(0, "version")));
  add("novacron_pg_max_connections", inst, max_conn);
  add("novacron_pg_replica", inst, num(info.get(0, "replica")));

  std::map<std::string, double> states = {
      {"active", 0}, {"idle", 0}, {"idle_in_transaction", 0}, {"waiting", 0}, {"other", 0}};
  double total = 0;
  for (size_t i = 0; i < results[1].rows.size(); ++i) {
    double n = num(results[1].get(i, "n"));
    states[results[1].get(i, "state").value_or("other")] += n;
    total += n;
  }
  for (const auto& [state, n] : states) {
    add("novacron_pg_connections", {{"instance", config_.name}, {"state", state}}, n);
  }
  add("novacron_pg_connections_used_ratio", inst, max_conn > 0 ? total / max_conn : 0);

  add("novacron_pg_longest_query_seconds", inst, num(results[2].get(0, "longest_query")));
  add("novacron_pg_longest_transaction_seconds", inst, num(results[2].get(0, "longest_xact")));
  add("novacron_pg_long_queries", inst, num(results[2].get(0, "long_queries")));
  add("novacron_pg_lock_waits", inst, num(results[3].get(0, "waiting")));
  add("novacron_pg_oldest_lock_wait_seconds", inst, num(results[3].get(0, "oldest")));

  auto& previous = previous_;
  std::map<std::string, Counters> seen;
  for (size_t i = 0; i < results[4].rows.size(); ++i) {
    std::string db = results[4].get(i, "datname").value_or("?");
    metrics::Labels l = {{"instance", config_.name}, {"database", validUtf8(db)}};
    Counters c{now, num(results[4].get(i, "xact_commit")), num(results[4].get(i, "xact_rollback")),
               num(results[4].get(i, "deadlocks")), num(results[4].get(i, "temp_bytes"))};
    // Rates from the previous collection; none on the first, or after a stats reset.
    if (auto p = previous.find(db);
        p != previous.end() && now > p->second.at && c.commits >= p->second.commits &&
        c.rollbacks >= p->second.rollbacks && c.deadlocks >= p->second.deadlocks &&
        c.temp >= p->second.temp) {
      double dt = std::chrono::duration<double>(now - p->second.at).count();
      add("novacron_pg_commits_per_second", l, (c.commits - p->second.commits) / dt);
      add("novacron_pg_rollbacks_per_second", l, (c.rollbacks - p->second.rollbacks) / dt);
      add("novacron_pg_deadlocks_per_second", l, (c.deadlocks - p->second.deadlocks) / dt);
      add("novacron_pg_temp_bytes_per_second", l, (c.temp - p->second.temp) / dt);
    }
    seen[db] = c;
    double hit = num(results[4].get(i, "blks_hit")), read = num(results[4].get(i, "blks_read"));
    if (hit + read > 0) add("novacron_pg_cache_hit_ratio", l, hit / (hit + read));
    add("novacron_pg_database_size_bytes", l, num(results[4].get(i, "size")));
    add("novacron_pg_xid_age", l, num(results[4].get(i, "xid_age")));
  }
  previous = std::move(seen);
  add("novacron_pg_replication_lag_bytes", inst, num(results[5].get(0, "lag_bytes")));
  add("novacron_pg_replication_lag_seconds", inst, num(results[5].get(0, "lag_seconds")));
  return out;
}

}  // namespace novacron::collectors
