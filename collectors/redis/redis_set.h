#pragma once

#include <nlohmann/json_fwd.hpp>

#include "collectors/instance_set.h"
#include "collectors/plugin.h"
#include "collectors/redis/redis.h"

namespace novacron::collectors {

/// The configured Redis instances (collectors.redis), each collected on its own timer.
/// Event-loop only.
class RedisSet final : public InstanceSet<RedisCollector, RedisConfig> {
 public:
  RedisSet(boost::asio::io_context& io, const Clock& clock, RedisCollector::Sink sink)
      : InstanceSet(io, clock, std::move(sink), "redis") {}
  std::string_view name() const override { return "redis"; }
  /// What `novacron cache status` shows: each instance, up or why not, its latest values and
  /// the fields of its last INFO (for --detailed).
  nlohmann::json describe() const override;
};

/// collectors.redis: its descriptor, listed in collectors/plugins.cpp.
extern const ListedSource kRedisSource;

}  // namespace novacron::collectors
