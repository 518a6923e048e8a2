#pragma once

#include <chrono>
#include <string>

#include "io/redis/redis_connection.h"

namespace novacron::collectors {

/// A Redis instance (collectors.redis).
struct RedisConfig {
  std::string name;  ///< the `instance` label
  io::RedisAddress address;
  io::RedisCredentials credentials;
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  friend bool operator==(const RedisConfig&, const RedisConfig&) = default;
};

}  // namespace novacron::collectors
