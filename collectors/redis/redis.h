#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/instance_health.h"
#include "collectors/redis/redis_config.h"
#include "collectors/redis/redis_info.h"
#include "collectors/redis/redis_samples.h"
#include "io/redis/redis_connection.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// What `novacron cache status` and the status matrix show of one instance.
struct RedisHealth : InstanceHealth {
  RedisInfo info;  ///< the last INFO's fields, for --detailed
};

/// One Redis instance, collected on its own timer over one connection on the loop: INFO once
/// per interval, within `timeout`. A server that is down, refuses the password or is frozen
/// (SIGSTOP) gives novacron_redis_up 0 within the timeout; the connection is re-established with
/// backoff (1 s doubling to 1 min). A connection the server dropped (CLIENT KILL, a restart) is
/// re-made once within the same collection. Event-loop only.
class RedisCollector {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  RedisCollector(boost::asio::io_context& io, const Clock& clock, RedisConfig config, Sink sink);
  ~RedisCollector();
  RedisCollector(const RedisCollector&) = delete;
  RedisCollector& operator=(const RedisCollector&) = delete;

  void start();
  void stop();
  const RedisHealth& health() const { return health_; }
  const RedisConfig& config() const { return config_; }

 private:
  struct State;
  void schedule(std::chrono::milliseconds delay);
  void cycle();
  void connectThenCollect(bool retry);
  void collect(bool retry);
  void publish(std::vector<metrics::Sample> samples, const std::string& error);
  void finishCycle();

  const Clock& clock_;
  RedisConfig config_;
  Sink sink_;
  std::shared_ptr<io::RedisConnection> conn_;
  std::shared_ptr<State> state_;
  RedisHealth health_;
};

}  // namespace novacron::collectors
