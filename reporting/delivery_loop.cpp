#include "reporting/delivery_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cmath>

#include "base/guard.h"
#include "base/text.h"

namespace novacron::reporting {

namespace asio = boost::asio;

milliseconds backoffDelay(int failures, milliseconds initial, milliseconds max, double random01) {
  double d = static_cast<double>(initial.count()) * std::pow(2.0, std::min(failures - 1, 30));
  d = std::min(d, static_cast<double>(max.count()));
  return milliseconds(static_cast<int64_t>(d / 2 + d / 2 * random01));
}

std::string describeResponse(const io::HttpClientResponse& r) {
  if (r.status == 0) return r.error;
  // The peer's words, quoted: valid text on one line, whatever bytes it sent.
  std::string body = quoteForMessage(r.body, 200);
  return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
}

struct DeliveryLoop::State : std::enable_shared_from_this<DeliveryLoop::State> {
  State(asio::io_context& io_, std::function<void()> w) : io(io_), work(std::move(w)), timer(io_) {}
  asio::io_context& io;
  std::function<void()> work;
  asio::steady_timer timer;
  bool running = false, in_flight = false, due = false;
  int failures = 0;  // in a row
  std::string last_error;
  uint64_t generation = 0;  // callbacks of an older generation (before stop) are ignored
  std::mt19937_64 rng{std::random_device{}()};
};

DeliveryLoop::DeliveryLoop(asio::io_context& io, std::function<void()> work)
    : state_(std::make_shared<State>(io, std::move(work))) {}

DeliveryLoop::~DeliveryLoop() { stop(); }

void DeliveryLoop::start() {
  if (state_->running) return;
  state_->running = true;
  schedule(milliseconds(0));
}

void DeliveryLoop::stop() {
  state_->running = false;
  state_->in_flight = false;
  state_->due = false;
  ++state_->generation;
  state_->timer.cancel();
}

bool DeliveryLoop::running() const { return state_->running; }
bool DeliveryLoop::inFlight() const { return state_->in_flight; }

namespace {

// A run or an answer whose handling threw (a bug) must not end delivery: the next run comes a
// little later, as after any failure.
constexpr milliseconds kAfterInternalError{5000};

void arm(DeliveryLoop::State& st, milliseconds delay) {
  st.due = delay.count() == 0;
  st.timer.expires_after(delay);
  st.timer.async_wait(
      [weak = st.weak_from_this(), gen = st.generation](boost::system::error_code ec) {
        auto s = weak.lock();
        if (ec || !s || s->generation != gen || !s->running || s->in_flight) return;
        s->due = false;
        if (!guarded("a delivery run", [&] { s->work(); }) && !s->in_flight)
          arm(*s, kAfterInternalError);
      });
}

}  // namespace

void DeliveryLoop::schedule(milliseconds delay) { arm(*state_, delay); }

void DeliveryLoop::wake(milliseconds gather) {
  State& st = *state_;
  if (!st.running || st.in_flight || st.due || st.failures > 0) return;
  schedule(gather);
  st.due = true;
}

void DeliveryLoop::send(io::HttpClientRequest request,
                        std::function<void(const io::HttpClientResponse&)> done) {
  State& st = *state_;
  st.in_flight = true;
  io::httpRequest(st.io, std::move(request),
                  [weak = st.weak_from_this(), gen = st.generation,
                   done = std::move(done)](io::HttpClientResponse r) {
                    auto s = weak.lock();
                    if (!s || s->generation != gen) return;
                    s->in_flight = false;
                    if (!guarded("a delivery answer", [&] { done(r); }))
                      arm(*s, kAfterInternalError);
                  });
}

milliseconds DeliveryLoop::failed(const std::string& error, milliseconds initial, milliseconds max,
                                  std::optional<milliseconds> retry_after, bool& log) {
  State& st = *state_;
  ++st.failures;
  log = st.failures == 1 || error != st.last_error || st.failures % 10 == 0;
  st.last_error = error;
  std::uniform_real_distribution<double> u(0, 1);
  milliseconds delay = backoffDelay(st.failures, initial, max, u(st.rng));
  // A server that says when to come back (429, 503) is not asked sooner, nor later than `max`.
  if (retry_after) delay = std::min(std::max(delay, *retry_after), max);
  return delay;
}

void DeliveryLoop::succeeded() {
  state_->failures = 0;
  state_->last_error.clear();
}

int DeliveryLoop::consecutiveFailures() const { return state_->failures; }

}  // namespace novacron::reporting
