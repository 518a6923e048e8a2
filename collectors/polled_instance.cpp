#include "collectors/polled_instance.h"

namespace novacron::collectors {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

PolledInstance::PolledInstance(boost::asio::io_context& io, const Clock& clock, Settings settings,
                               Sink sink)
    : clock_(clock), settings_(std::move(settings)), sink_(std::move(sink)), cycle_(io) {
  health_.name = settings_.name;
}

PolledInstance::~PolledInstance() = default;

void PolledInstance::start() {
  cycle_.start([this] { cycle(); });
}

void PolledInstance::stop() {
  cycle_.stop();
  disconnect();
}

void PolledInstance::cycle() {
  if (connected()) return collect(true);
  if (SteadyClock::now() < next_connect_)
    return finish({}, health_.last_error.empty() ? "not connected" : health_.last_error);
  connectThenCollect(false);
}

void PolledInstance::connectThenCollect(bool may_reconnect) {
  connect(whileRunning([this, may_reconnect](Result<void> r) {
    if (!r) {
      backoff_ = std::min<milliseconds>(backoff_ == 0ms ? 1s : backoff_ * 2, 60s);
      next_connect_ = SteadyClock::now() + backoff_;
      return finish({}, r.error().message);
    }
    backoff_ = 0ms;
    collect(may_reconnect);
  }));
}

void PolledInstance::finish(std::vector<metrics::Sample> samples, const std::string& error) {
  finish(clock_.now(), std::move(samples), error);
}

void PolledInstance::finish(TimePoint now, std::vector<metrics::Sample> samples,
                            const std::string& error) {
  if (!running()) return;
  samples.insert(samples.begin(),
                 {settings_.up, {{"instance", settings_.name}}, error.empty() ? 1.0 : 0.0});
  health_.finished(error, health_.duration_seconds);
  if (!error.empty()) down();
  health_.latest = samples;
  if (sink_) sink_(now, std::move(samples));
  health_.duration_seconds = std::chrono::duration<double>(cycle_.end(settings_.interval)).count();
}

}  // namespace novacron::collectors
