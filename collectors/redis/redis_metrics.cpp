#include "collectors/redis/redis_metrics.h"

#include <cstdlib>

namespace novacron::collectors {
namespace {

using T = metrics::MetricType;
constexpr metrics::MetricDef kUp{"novacron_redis_up", T::kGauge, "instance",
                                 "1 if the last Redis collection succeeded within its timeout."};
constexpr metrics::MetricDef kVersion{"novacron_redis_version", T::kGauge, "instance",
                                      "The server's version as one number (7.0.15 is 70015)."};
constexpr metrics::MetricDef kUptime{"novacron_redis_uptime_seconds", T::kGauge, "instance",
                                     "Seconds since the server started."};
constexpr metrics::MetricDef kClients{"novacron_redis_connected_clients", T::kGauge, "instance",
                                      "Client connections, replicas excluded."};
constexpr metrics::MetricDef kBlocked{"novacron_redis_blocked_clients", T::kGauge, "instance",
                                      "Clients waiting in a blocking command (BLPOP, WAIT, ...)."};
constexpr metrics::MetricDef kRejected{
    "novacron_redis_rejected_connections_per_second", T::kGauge, "instance",
    "Connections refused for maxclients per second since the previous collection."};
constexpr metrics::MetricDef kUsed{
    "novacron_redis_memory_used_bytes", T::kGauge, "instance",
    "Memory the allocator holds for data and buffers (used_memory), bytes."};
constexpr metrics::MetricDef kMax{"novacron_redis_memory_max_bytes", T::kGauge, "instance",
                                  "The maxmemory setting, bytes; 0 means no limit."};
constexpr metrics::MetricDef kUsedRatio{
    "novacron_redis_memory_used_ratio", T::kGauge, "instance",
    "used_memory as a share of maxmemory, 0-1; absent when there is no limit."};
constexpr metrics::MetricDef kFrag{
    "novacron_redis_memory_fragmentation_ratio", T::kGauge, "instance",
    "Resident memory over used memory; above 1.5 memory is wasted, below 1 it is swapped."};
constexpr metrics::MetricDef kEvicted{
    "novacron_redis_evicted_keys_per_second", T::kGauge, "instance",
    "Keys evicted for maxmemory per second since the previous collection."};
constexpr metrics::MetricDef kExpired{"novacron_redis_expired_keys_per_second", T::kGauge,
                                      "instance",
                                      "Keys expired per second since the previous collection."};
constexpr metrics::MetricDef kHits{
    "novacron_redis_keyspace_hits_per_second", T::kGauge, "instance",
    "Successful key lookups per second since the previous collection."};
constexpr metrics::MetricDef kMisses{
    "novacron_redis_keyspace_misses_per_second", T::kGauge, "instance",
    "Failed key lookups per second since the previous collection."};
constexpr metrics::MetricDef kHitRatio{
    "novacron_redis_hit_ratio", T::kGauge, "instance",
    "Hits as a share of lookups since the previous collection, 0-1; absent when there were none."};
constexpr metrics::MetricDef kOps{"novacron_redis_ops_per_second", T::kGauge, "instance",
                                  "Commands processed per second since the previous collection."};
constexpr metrics::MetricDef kKeys{"novacron_redis_keys", T::kGauge, "instance,db",
                                   "Keys in a logical database (db0, db1, ...)."};
constexpr metrics::MetricDef kExpiring{"novacron_redis_expiring_keys", T::kGauge, "instance,db",
                                       "Keys with a time to live in a logical database."};
constexpr metrics::MetricDef kReplica{"novacron_redis_replica", T::kGauge, "instance",
                                      "1 if the server is a replica, 0 if a primary."};
constexpr metrics::MetricDef kReplicas{"novacron_redis_connected_replicas", T::kGauge, "instance",
                                       "Replicas connected to this server."};
constexpr metrics::MetricDef kLinkUp{"novacron_redis_master_link_up", T::kGauge, "instance",
                                     "On a replica: 1 if the link to its primary is up."};
constexpr metrics::MetricDef kLag{
    "novacron_redis_replication_lag_seconds", T::kGauge, "instance",
    "On a replica, seconds since its primary last spoke; on a primary, its slowest replica's lag."};
constexpr metrics::MetricDef kSaveAge{"novacron_redis_last_save_age_seconds", T::kGauge, "instance",
                                      "Seconds since the last successful RDB save."};
constexpr metrics::MetricDef kSaveOk{"novacron_redis_last_save_ok", T::kGauge, "instance",
                                     "1 if the last background save succeeded."};
constexpr metrics::MetricDef kChanges{"novacron_redis_changes_since_last_save", T::kGauge,
                                      "instance", "Writes not yet in an RDB save."};
constexpr const metrics::MetricDef* kMetrics[] = {
    &kUp,       &kVersion,   &kUptime, &kClients,  &kBlocked, &kRejected, &kUsed,
    &kMax,      &kUsedRatio, &kFrag,   &kEvicted,  &kExpired, &kHits,     &kMisses,
    &kHitRatio, &kOps,       &kKeys,   &kExpiring, &kReplica, &kReplicas, &kLinkUp,
    &kLag,      &kSaveAge,   &kSaveOk, &kChanges};

}  // namespace

std::span<const metrics::MetricDef* const> redisMetrics() { return kMetrics; }

const metrics::MetricDef* redisMetric(std::string_view name) {
  for (const metrics::MetricDef* m : kMetrics) {
    if (m->name == name) return m;
  }
  std::abort();
}

}  // namespace novacron::collectors
