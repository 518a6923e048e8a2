#include "collectors/redis/redis.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>

#include "base/text.h"
#include "collectors/redis/redis_metrics.h"

namespace novacron::collectors {

namespace {
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
}  // namespace

struct RedisCollector::State {
  explicit State(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  bool stopped = false;
  SteadyClock::time_point started{};
  milliseconds backoff{0};
  SteadyClock::time_point next_connect{};
  std::optional<RedisCounters> previous;
};

RedisCollector::RedisCollector(boost::asio::io_context& io, const Clock& clock, RedisConfig config,
                               Sink sink)
    : clock_(clock),
      config_(std::move(config)),
      sink_(std::move(sink)),
      conn_(io::RedisConnection::create(io)),
      state_(std::make_shared<State>(io)) {
  health_.name = config_.name;
}

RedisCollector::~RedisCollector() { stop(); }

void RedisCollector::start() { schedule(0ms); }

void RedisCollector::stop() {
  state_->stopped = true;
  state_->timer.cancel();
  conn_->close();
}

void RedisCollector::schedule(milliseconds delay) {
  auto st = state_;
  st->timer.expires_after(delay);
  st->timer.async_wait([this, st](boost::system::error_code ec) {
    if (ec || st->stopped) return;
    cycle();
  });
}

void RedisCollector::publish(std::vector<metrics::Sample> samples, const std::string& error) {
  samples.insert(
      samples.begin(),
      {redisMetric("novacron_redis_up"), {{"instance", config_.name}}, error.empty() ? 1.0 : 0.0});
  ++health_.runs;
  health_.up = error.empty();
  if (!error.empty()) {
    ++health_.errors;
    health_.last_error = error;
    health_.info.clear();
  }
  health_.latest = samples;
  if (sink_) sink_(clock_.now(), std::move(samples));
}

void RedisCollector::finishCycle() {
  auto st = state_;
  if (st->stopped) return;
  auto elapsed = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - st->started);
  health_.last_duration_seconds = std::chrono::duration<double>(elapsed).count();
  schedule(std::max(config_.interval - elapsed, 0ms));
}

void RedisCollector::cycle() {
  auto st = state_;
  st->started = SteadyClock::now();
  if (conn_->connected()) return collect(true);
  if (SteadyClock::now() < st->next_connect) {
    publish({}, health_.last_error.empty() ? "not connected" : health_.last_error);
    return finishCycle();
  }
  connectThenCollect(false);
}

void RedisCollector::connectThenCollect(bool retry) {
  auto st = state_;
  conn_->connect(config_.address, config_.credentials, "novacron-agent", config_.timeout,
                 [this, st, retry](Result<void> r) {
                   if (st->stopped) return;
                   if (!r) {
                     st->backoff =
                         std::min<milliseconds>(st->backoff == 0ms ? 1s : st->backoff * 2, 60s);
                     st->next_connect = SteadyClock::now() + st->backoff;
                     publish({}, r.error().message);
                     return finishCycle();
                   }
                   st->backoff = 0ms;
                   collect(retry);
                 });
}

// `reconnect`: a connection found closed by the server may be re-made once in this cycle.
void RedisCollector::collect(bool reconnect) {
  auto st = state_;
  conn_->command({"INFO"}, config_.timeout, [this, st, reconnect](Result<io::RedisReply> r) {
    if (st->stopped) return;
    if (!r) {
      if (reconnect && r.error().code == ErrorCode::kUnavailable) return connectThenCollect(false);
      publish({}, r.error().message);
      return finishCycle();
    }
    if (r->type != io::RedisReply::Type::kString) {
      conn_->close();
      publish({}, r->type == io::RedisReply::Type::kError
                      ? "the server refused INFO: " + escapeControl(quoteForMessage(r->str, 160))
                      : std::string("INFO did not answer with text"));
      return finishCycle();
    }
    health_.info = parseRedisInfo(r->str);
    publish(redisSamples(config_.name, health_.info, clock_.now(), st->previous), "");
    finishCycle();
  });
}

}  // namespace novacron::collectors
