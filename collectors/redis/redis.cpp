#include "collectors/redis/redis.h"

#include "base/text.h"
#include "collectors/redis/redis_metrics.h"

namespace novacron::collectors {

RedisCollector::RedisCollector(boost::asio::io_context& io, const Clock& clock, RedisConfig config,
                               Sink sink)
    : PolledInstance(io, clock, {config.name, config.interval, redisMetric("novacron_redis_up")},
                     std::move(sink)),
      config_(std::move(config)),
      conn_(io::RedisConnection::create(io)) {}

RedisCollector::~RedisCollector() { stop(); }

bool RedisCollector::connected() const { return conn_->connected(); }

void RedisCollector::disconnect() { conn_->close(); }

void RedisCollector::connect(std::function<void(Result<void>)> done) {
  conn_->connect(config_.address, config_.credentials, "novacron-agent", config_.timeout,
                 std::move(done));
}

void RedisCollector::collect(bool may_reconnect) {
  conn_->command(
      {"INFO"}, config_.timeout, whileRunning([this, may_reconnect](Result<io::RedisReply> r) {
        if (!r) {
          if (may_reconnect && r.error().code == ErrorCode::kUnavailable)
            return connectThenCollect(false);
          return finish({}, r.error().message);
        }
        if (r->type != io::RedisReply::Type::kString) {
          conn_->close();
          return finish(
              {}, r->type == io::RedisReply::Type::kError
                      ? "the server refused INFO: " + escapeControl(quoteForMessage(r->str, 160))
                      : std::string("INFO did not answer with text"));
        }
        info_ = parseRedisInfo(r->str);
        finish(redisSamples(config_.name, info_, clock().now(), previous_), "");
      }));
}

}  // namespace novacron::collectors
