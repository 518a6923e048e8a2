#include "collectors/redis/redis_samples.h"

#include <algorithm>
#include <array>

#include "collectors/redis/redis_metrics.h"

namespace novacron::collectors {

namespace {

struct Rate {
  const char* field;
  const char* metric;
};
constexpr std::array<Rate, 6> kRates = {{
    {"evicted_keys", "novacron_redis_evicted_keys_per_second"},
    {"expired_keys", "novacron_redis_expired_keys_per_second"},
    {"keyspace_hits", "novacron_redis_keyspace_hits_per_second"},
    {"keyspace_misses", "novacron_redis_keyspace_misses_per_second"},
    {"total_commands_processed", "novacron_redis_ops_per_second"},
    {"rejected_connections", "novacron_redis_rejected_connections_per_second"},
}};

// Database names are the server's: only db<N> is taken, so a label value is always plain.
bool dbName(std::string_view key) {
  return key.size() > 2 && key.size() <= 6 && key.substr(0, 2) == "db" &&
         std::all_of(key.begin() + 2, key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<metrics::Sample> redisSamples(const std::string& instance, const RedisInfo& info,
                                          TimePoint now, std::optional<RedisCounters>& previous) {
  std::vector<metrics::Sample> out;
  const metrics::Labels inst = {{"instance", instance}};
  auto add = [&](const char* metric, double v, metrics::Labels labels) {
    out.push_back({redisMetric(metric), std::move(labels), v});
  };
  auto field = [&](const char* metric, const char* key) {
    if (auto v = infoNumber(info, key)) add(metric, *v, inst);
  };
  if (auto it = info.find("redis_version"); it != info.end()) {
    if (auto v = redisVersionNumber(it->second)) add("novacron_redis_version", *v, inst);
  }
  field("novacron_redis_uptime_seconds", "uptime_in_seconds");
  field("novacron_redis_connected_clients", "connected_clients");
  field("novacron_redis_blocked_clients", "blocked_clients");
  field("novacron_redis_memory_used_bytes", "used_memory");
  field("novacron_redis_memory_max_bytes", "maxmemory");
  field("novacron_redis_memory_fragmentation_ratio", "mem_fragmentation_ratio");
  auto used = infoNumber(info, "used_memory");
  auto max = infoNumber(info, "maxmemory");
  if (used && max && *max > 0) add("novacron_redis_memory_used_ratio", *used / *max, inst);

  // Rates since the previous collection.
  RedisCounters current{now, infoNumber(info, "uptime_in_seconds").value_or(0), {}};
  for (const auto& r : kRates) {
    if (auto v = infoNumber(info, r.field)) current.values[r.field] = *v;
  }
  std::map<std::string, double, std::less<>> increase;
  if (previous && now > previous->at) {
    double dt = std::chrono::duration<double>(now - previous->at).count();
    bool restarted = current.uptime < previous->uptime;
    for (const auto& r : kRates) {
      auto cur = current.values.find(r.field);
      if (cur == current.values.end()) continue;
      auto prev = previous->values.find(r.field);
      double base = restarted || prev == previous->values.end() || cur->second < prev->second
                        ? 0
                        : prev->second;
      increase[r.field] = cur->second - base;
      add(r.metric, (cur->second - base) / dt, inst);
    }
  }
  previous = std::move(current);
  if (auto h = increase.find("keyspace_hits"), m = increase.find("keyspace_misses");
      h != increase.end() && m != increase.end() && h->second + m->second > 0) {
    add("novacron_redis_hit_ratio", h->second / (h->second + m->second), inst);
  }

  for (const auto& [key, value] : info) {
    if (!dbName(key)) continue;
    auto parts = infoSubfields(value);
    metrics::Labels l = {{"db", key}, {"instance", instance}};
    if (auto k = parts.find("keys"); k != parts.end()) add("novacron_redis_keys", k->second, l);
    if (auto e = parts.find("expires"); e != parts.end())
      add("novacron_redis_expiring_keys", e->second, l);
  }

  auto role = info.find("role");
  bool replica = role != info.end() && role->second == "slave";
  if (role != info.end()) add("novacron_redis_replica", replica ? 1 : 0, inst);
  field("novacron_redis_connected_replicas", "connected_slaves");
  if (replica) {
    auto link = info.find("master_link_status");
    add("novacron_redis_master_link_up", link != info.end() && link->second == "up" ? 1 : 0, inst);
    field("novacron_redis_replication_lag_seconds", "master_last_io_seconds_ago");
  } else if (role != info.end()) {
    // slaveN:ip=…,port=…,state=online,offset=…,lag=N
    double lag = 0;
    for (auto it = info.lower_bound("slave"); it != info.end() && it->first.starts_with("slave");
         ++it) {
      auto parts = infoSubfields(it->second);
      if (auto l = parts.find("lag"); l != parts.end()) lag = std::max(lag, l->second);
    }
    add("novacron_redis_replication_lag_seconds", lag, inst);
  }

  if (auto last = infoNumber(info, "rdb_last_save_time")) {
    double age = std::chrono::duration<double>(now.time_since_epoch()).count() - *last;
    add("novacron_redis_last_save_age_seconds", std::max(age, 0.0), inst);
  }
  if (auto s = info.find("rdb_last_bgsave_status"); s != info.end())
    add("novacron_redis_last_save_ok", s->second == "ok" ? 1 : 0, inst);
  field("novacron_redis_changes_since_last_save", "rdb_changes_since_last_save");
  return out;
}

}  // namespace novacron::collectors
