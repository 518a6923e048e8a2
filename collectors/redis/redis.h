#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/polled_instance.h"
#include "collectors/redis/redis_config.h"
#include "collectors/redis/redis_info.h"
#include "collectors/redis/redis_samples.h"
#include "io/redis/redis_connection.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// One Redis instance, collected on its own timer over one connection on the loop: INFO once
/// per interval, within `timeout`. A server that is down, refuses the password or is frozen
/// (SIGSTOP) gives novacron_redis_up 0 within the timeout; the connection is re-established with
/// backoff (collectors/polled_instance.h). A connection the server dropped (CLIENT KILL, a
/// restart) is re-made once within the same collection. Event-loop only.
class RedisCollector final : public PolledInstance {
 public:
  RedisCollector(boost::asio::io_context& io, const Clock& clock, RedisConfig config, Sink sink);
  ~RedisCollector() override;

  const RedisConfig& config() const { return config_; }
  /// The last INFO's fields, for `novacron cache status --detailed`; empty while down.
  const RedisInfo& info() const { return info_; }

 private:
  bool connected() const override;
  void connect(std::function<void(Result<void>)> done) override;
  void collect(bool may_reconnect) override;
  void disconnect() override;
  void down() override { info_.clear(); }

  RedisConfig config_;
  std::shared_ptr<io::RedisConnection> conn_;
  std::optional<RedisCounters> previous_;
  RedisInfo info_;
};

}  // namespace novacron::collectors
