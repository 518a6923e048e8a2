#include "collectors/redis/redis_set.h"

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "collectors/redis/redis_metrics.h"
#include "collectors/source_options.h"

namespace novacron::collectors {

nlohmann::json RedisSet::describe() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : instances()) {
    const InstanceHealth& h = c->health();
    nlohmann::json one = instanceJson(h, "novacron_redis_");
    one["address"] = c->config().address.str();
    // The server's own words: made valid text before they reach a JSON document.
    nlohmann::json info = nlohmann::json::object();
    for (const auto& [k, v] : c->info()) info[validUtf8(k)] = validUtf8(v);
    one["info"] = std::move(info);
    list.push_back(std::move(one));
  }
  nlohmann::json out = {{"instances", list}};
  if (instances().empty()) out["message"] = "no Redis instance is configured (collectors.redis)";
  return out;
}

const ListedSource kRedisSource =
    listedSource<RedisSet, &SourceOptions::redis>("redis", &redisMetrics);

}  // namespace novacron::collectors
