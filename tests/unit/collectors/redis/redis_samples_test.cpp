#include "collectors/redis/redis_samples.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "collectors/redis/redis_metrics.h"
#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::valueOf;

std::string primaryInfo() {
  std::ifstream in(std::string(NOVACRON_FIXTURES_DIR) + "/redis/info_primary.txt");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The fixture with `key`'s value replaced, as a later INFO would read.
std::string with(std::string info, const std::string& key, const std::string& value) {
  return std::regex_replace(info, std::regex("(^|\n)" + key + ":[^\r\n]*"),
                            "$1" + key + ":" + value);
}

const metrics::Labels kInst = {{"instance", "cache"}};

TEST(RedisInfoTest, TheFieldsOfARealInfoReply) {
  RedisInfo info = parseRedisInfo(primaryInfo());
  EXPECT_EQ(info["redis_version"], "7.0.15");
  EXPECT_EQ(info["role"], "master");
  EXPECT_EQ(infoNumber(info, "used_memory"), 1063264);
  EXPECT_EQ(infoNumber(info, "used_memory_human"), std::nullopt) << "1.01M is not a number";
  auto db0 = infoSubfields(info["db0"]);
  EXPECT_EQ(db0["keys"], 1);
  EXPECT_EQ(db0["expires"], 0);
  EXPECT_EQ(redisVersionNumber("7.0.15"), 70015);
  EXPECT_EQ(redisVersionNumber("6.2"), std::nullopt);
  EXPECT_EQ(redisVersionNumber("7.x.1"), std::nullopt);
  EXPECT_EQ(redisVersionNumber("-1.0.0"), std::nullopt);
}

TEST(RedisInfoTest, HostileInfoTextIsBounded) {
  std::string text = "# Server\r\n" + std::string(10000, 'k') + ":1\r\nok:1\r\n:novalue\r\n" +
                     "big:" + std::string(100000, 'v') + "\r\n\xff\xfe:\x01\r\n" +
                     "no colon here\r\n";
  for (int i = 0; i < 10000; ++i) text += "f" + std::to_string(i) + ":1\n";
  RedisInfo info = parseRedisInfo(text);
  EXPECT_EQ(info["ok"], "1");
  EXPECT_EQ(info.count("big"), 0u);
  EXPECT_LE(info.size(), 4096u);
  // Whatever the text, the samples are made and carry only db<N> labels.
  std::optional<RedisCounters> prev;
  auto samples = redisSamples("cache", info, at(), prev);
  for (const auto& s : samples) {
    for (const auto& l : s.labels) EXPECT_TRUE(l.name == "instance" || l.name == "db");
  }
  auto keys = infoSubfields("keys=1,=2,expires,avg_ttl=x,k=3");
  EXPECT_EQ(keys.size(), 2u);
}

TEST(RedisSamplesTest, GaugesFromTheFirstInfoRatesFromTheSecond) {
  std::string t0 = primaryInfo();
  std::optional<RedisCounters> prev;
  auto first = redisSamples("cache", parseRedisInfo(t0), at(), prev);
  EXPECT_EQ(valueOf(first, "novacron_redis_version", kInst), 70015);
  EXPECT_EQ(valueOf(first, "novacron_redis_connected_clients", kInst), 2);
  EXPECT_EQ(valueOf(first, "novacron_redis_memory_used_bytes", kInst), 1063264);
  EXPECT_EQ(valueOf(first, "novacron_redis_memory_max_bytes", kInst), 0);
  EXPECT_EQ(valueOf(first, "novacron_redis_memory_used_ratio", kInst), std::nullopt)
      << "no ratio without a maxmemory";
  EXPECT_EQ(valueOf(first, "novacron_redis_keys", {{"db", "db0"}, {"instance", "cache"}}), 1);
  EXPECT_EQ(valueOf(first, "novacron_redis_replica", kInst), 0);
  EXPECT_EQ(valueOf(first, "novacron_redis_last_save_ok", kInst), 1);
  EXPECT_EQ(valueOf(first, "novacron_redis_ops_per_second", kInst), std::nullopt)
      << "no rate on the first collection";

  // 10 s later: 950 hits and 50 misses, 2,000 commands, 40 evictions, maxmemory set.
  std::string t1 =
      with(with(with(with(with(with(t0, "keyspace_hits", "950"), "keyspace_misses", "50"),
                          "total_commands_processed", "2029"),
                     "evicted_keys", "40"),
                "maxmemory", "2126528"),
           "uptime_in_seconds", "34");
  auto second = redisSamples("cache", parseRedisInfo(t1), at(10s), prev);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_keyspace_hits_per_second", kInst), 95);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_keyspace_misses_per_second", kInst), 5);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_hit_ratio", kInst), 0.95);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_ops_per_second", kInst), 200);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_evicted_keys_per_second", kInst), 4);
  EXPECT_DOUBLE_EQ(*valueOf(second, "novacron_redis_memory_used_ratio", kInst), 0.5);

  // A restart: counters start again from zero and count from there, never negative.
  std::string t2 =
      with(with(with(t1, "uptime_in_seconds", "5"), "keyspace_hits", "10"), "keyspace_misses", "0");
  auto third = redisSamples("cache", parseRedisInfo(t2), at(20s), prev);
  EXPECT_DOUBLE_EQ(*valueOf(third, "novacron_redis_keyspace_hits_per_second", kInst), 1);
  EXPECT_DOUBLE_EQ(*valueOf(third, "novacron_redis_hit_ratio", kInst), 1);
  for (const auto& s : third) EXPECT_GE(s.value, 0) << s.metric->name;

  // No lookups since the previous collection: no hit ratio rather than a made-up one.
  auto fourth = redisSamples("cache", parseRedisInfo(t2), at(30s), prev);
  EXPECT_EQ(valueOf(fourth, "novacron_redis_hit_ratio", kInst), std::nullopt);
}

TEST(RedisSamplesTest, AReplicaAndAPrimaryWithReplicas) {
  std::optional<RedisCounters> prev;
  auto replica = redisSamples(
      "cache",
      parseRedisInfo("role:slave\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:12\r\n"
                     "slave_read_only:1\r\nconnected_slaves:0\r\n"),
      at(), prev);
  EXPECT_EQ(valueOf(replica, "novacron_redis_replica", kInst), 1);
  EXPECT_EQ(valueOf(replica, "novacron_redis_master_link_up", kInst), 0);
  EXPECT_EQ(valueOf(replica, "novacron_redis_replication_lag_seconds", kInst), 12);
  prev.reset();
  auto primary =
      redisSamples("cache",
                   parseRedisInfo("role:master\r\nconnected_slaves:2\r\n"
                                  "slave0:ip=10.0.0.2,port=6379,state=online,offset=100,lag=0\r\n"
                                  "slave1:ip=10.0.0.3,port=6379,state=online,offset=90,lag=3\r\n"),
                   at(), prev);
  EXPECT_EQ(valueOf(primary, "novacron_redis_connected_replicas", kInst), 2);
  EXPECT_EQ(valueOf(primary, "novacron_redis_replication_lag_seconds", kInst), 3);
  EXPECT_EQ(valueOf(primary, "novacron_redis_master_link_up", kInst), std::nullopt);
}

TEST(RedisSamplesTest, EveryMetricIsDeclaredOnce) {
  std::set<std::string_view> names;
  for (const metrics::MetricDef* m : redisMetrics()) {
    EXPECT_TRUE(names.insert(m->name).second) << m->name;
    EXPECT_TRUE(m->name.starts_with("novacron_redis_")) << m->name;
  }
  EXPECT_GE(names.size(), 25u);
}

}  // namespace
}  // namespace novacron::collectors
