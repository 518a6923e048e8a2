#include "collectors/postgres/postgres_metrics.h"

namespace novacron::collectors {
namespace {

using T = metrics::MetricType;
constexpr metrics::MetricDef kUp{
    "novacron_pg_up", T::kGauge, "instance",
    "1 if the last PostgreSQL collection succeeded within its timeout."};
constexpr metrics::MetricDef kVersion{
    "novacron_pg_server_version", T::kGauge, "instance",
    "The server's version number (server_version_num, e.g. 150008)."};
constexpr metrics::MetricDef kConnections{
    "novacron_pg_connections", T::kGauge, "instance,state",
    "Client connections by state: active, idle, idle_in_transaction, waiting (on a lock), other."};
constexpr metrics::MetricDef kMaxConnections{"novacron_pg_max_connections", T::kGauge, "instance",
                                             "The server's max_connections."};
constexpr metrics::MetricDef kUsed{"novacron_pg_connections_used_ratio", T::kGauge, "instance",
                                   "Client connections as a share of max_connections, 0-1."};
constexpr metrics::MetricDef kLongestQuery{"novacron_pg_longest_query_seconds", T::kGauge,
                                           "instance",
                                           "Age of the longest-running active query, seconds."};
constexpr metrics::MetricDef kLongestXact{"novacron_pg_longest_transaction_seconds", T::kGauge,
                                          "instance",
                                          "Age of the longest open transaction, seconds."};
constexpr metrics::MetricDef kLongQueries{
    "novacron_pg_long_queries", T::kGauge, "instance",
    "Active queries running longer than long_query_threshold."};
constexpr metrics::MetricDef kLockWaits{"novacron_pg_lock_waits", T::kGauge, "instance",
                                        "Sessions waiting for a lock."};
constexpr metrics::MetricDef kOldestLock{"novacron_pg_oldest_lock_wait_seconds", T::kGauge,
                                         "instance",
                                         "How long the longest lock wait has lasted, seconds."};
constexpr metrics::MetricDef kDeadlocks{
    "novacron_pg_deadlocks_per_second", T::kGauge, "instance,database",
    "Deadlocks detected per second since the previous collection."};
constexpr metrics::MetricDef kCommits{
    "novacron_pg_commits_per_second", T::kGauge, "instance,database",
    "Transactions committed per second since the previous collection."};
constexpr metrics::MetricDef kRollbacks{
    "novacron_pg_rollbacks_per_second", T::kGauge, "instance,database",
    "Transactions rolled back per second since the previous collection."};
constexpr metrics::MetricDef kTempBytes{
    "novacron_pg_temp_bytes_per_second", T::kGauge, "instance,database",
    "Bytes written to temporary files per second since the previous "
    "collection."};
constexpr metrics::MetricDef kCacheHit{"novacron_pg_cache_hit_ratio", T::kGauge,
                                       "instance,database",
                                       "Share of block reads served from shared buffers, 0-1."};
constexpr metrics::MetricDef kSize{"novacron_pg_database_size_bytes", T::kGauge,
                                   "instance,database", "Size of the database, bytes."};
constexpr metrics::MetricDef kXidAge{
    "novacron_pg_xid_age", T::kGauge, "instance,database",
    "Age of the database's oldest unfrozen transaction id (wraparound "
    "risk past about 2 billion)."};
constexpr metrics::MetricDef kReplica{
    "novacron_pg_replica", T::kGauge, "instance",
    "1 if the server is a replica (in recovery), 0 if a primary."};
constexpr metrics::MetricDef kLagBytes{
    "novacron_pg_replication_lag_bytes", T::kGauge, "instance",
    "Replication lag in bytes: on a primary its slowest replica's, on a "
    "replica its own replay lag."};
constexpr metrics::MetricDef kLagSeconds{"novacron_pg_replication_lag_seconds", T::kGauge,
                                         "instance", "Replication lag in seconds, as above."};
constexpr metrics::MetricDef kQueryValue{
    "novacron_pg_query_value", T::kGauge, "instance,query",
    "The number a custom SQL metric (collectors.postgres.queries) "
    "returned."};
constexpr const metrics::MetricDef* kMetrics[] = {
    &kUp,          &kVersion,     &kConnections, &kMaxConnections, &kUsed,      &kLongestQuery,
    &kLongestXact, &kLongQueries, &kLockWaits,   &kOldestLock,     &kDeadlocks, &kCommits,
    &kRollbacks,   &kTempBytes,   &kCacheHit,    &kSize,           &kXidAge,    &kReplica,
    &kLagBytes,    &kLagSeconds,  &kQueryValue};

}  // namespace

std::span<const metrics::MetricDef* const> postgresMetrics() { return kMetrics; }

const metrics::MetricDef* postgresMetric(std::string_view name) {
  for (const metrics::MetricDef* m : kMetrics) {
    if (m->name == name) return m;
  }
  return nullptr;
}

}  // namespace novacron::collectors
