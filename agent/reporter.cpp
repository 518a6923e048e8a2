#include "agent/reporter.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

#include "actions/http_client.h"
#include "actions/secret.h"
#include "agent/log.h"
#include "agent/replay.h"
#include "novacron/version.h"

namespace novacron::agent {

namespace asio = boost::asio;
using json = nlohmann::json;
using collectors::MetricDef;
using collectors::MetricType;
using namespace std::chrono_literals;

namespace {

constexpr MetricDef kDepth{"novacron_outbox_depth", MetricType::kGauge, "",
                           "Events waiting for the coordinator."};
constexpr MetricDef kOldest{"novacron_outbox_oldest_age_seconds", MetricType::kGauge, "",
                            "Age of the oldest event waiting for the coordinator, seconds; 0 when "
                            "none waits."};
constexpr MetricDef kAttempts{"novacron_coordinator_attempts_total", MetricType::kCounter, "",
                              "POSTs of event batches to the coordinator since start."};
constexpr MetricDef kFailures{"novacron_coordinator_failures_total", MetricType::kCounter, "",
                              "POSTs to the coordinator that did not deliver their batch."};
constexpr MetricDef kDelivered{"novacron_coordinator_delivered_events_total", MetricType::kCounter,
                               "", "Events the coordinator accepted since start."};
constexpr MetricDef kParked{"novacron_outbox_parked_events_total", MetricType::kCounter, "",
                            "Events the coordinator refused for good (4xx) since start; not "
                            "retried."};
constexpr MetricDef kDropped{"novacron_outbox_dropped_events_total", MetricType::kCounter, "",
                             "Events dropped from the full outbox since start (they stay on "
                             "their timelines)."};
constexpr MetricDef kLastSuccess{"novacron_coordinator_last_success_timestamp_seconds",
                                 MetricType::kGauge, "",
                                 "When the coordinator last accepted a batch, Unix seconds; 0 "
                                 "if not since start."};
constexpr const MetricDef* kMetrics[] = {&kAttempts, &kDelivered, &kFailures, &kLastSuccess,
                                         &kDepth,    &kDropped,   &kOldest,   &kParked};

// No answer, an overloaded or failing coordinator, or a refusal that says the agent's own
// configuration (token, URL) is wrong: retried, because parking would discard every event until
// an operator fixes it.
bool retryable(int status) {
  return status == 0 || status >= 500 || status == 429 || status < 200 ||
         (status >= 300 && status < 400) || status == 401 || status == 403 || status == 404 ||
         status == 405 || status == 407 || status == 408;
}

std::string describe(const actions::HttpClientResponse& r) {
  if (r.status == 0) return r.error;
  std::string body = r.body.substr(0, 200);
  for (auto& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

milliseconds backoffDelay(int failures, milliseconds initial, milliseconds max, double random01) {
  double d = static_cast<double>(initial.count()) * std::pow(2.0, std::min(failures - 1, 30));
  d = std::min(d, static_cast<double>(max.count()));
  return milliseconds(static_cast<int64_t>(d / 2 + d / 2 * random01));
}

struct Reporter::State : std::enable_shared_from_this<Reporter::State> {
  State(asio::io_context& io_, Store& s, const Clock& c, ReporterOptions o)
      : io(io_), store(s), clock(c), opt(std::move(o)), timer(io_) {}
  asio::io_context& io;
  Store& store;
  const Clock& clock;
  ReporterOptions opt;
  asio::steady_timer timer;
  ReporterStats stats;
  bool running = false, in_flight = false, soon = false;
  int64_t isolate_until = 0;  // after a refused batch: one event at a time up to this seq
  uint64_t generation = 0;    // callbacks of an older generation (before stop) are ignored
  std::mt19937_64 rng{std::random_device{}()};

  void refreshOutbox() {
    if (auto s = store.outboxStats())
      stats.outbox = *s;
    else
      logError(s.error().message);
  }

  void schedule(milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([weak = weak_from_this(), gen = generation](boost::system::error_code ec) {
      auto st = weak.lock();
      if (ec || !st || st->generation != gen) return;
      st->soon = false;
      st->cycle();
    });
  }

  void fail(const std::string& error, int64_t first, int64_t last,
            std::optional<milliseconds> retry_after = std::nullopt) {
    ++stats.failures;
    ++stats.consecutive_failures;
    bool changed = error != stats.last_error;
    stats.last_error = error;
    if (first > 0) {
      if (auto r = store.recordAttempt(first, last, error); !r) logError(r.error().message);
    }
    std::uniform_real_distribution<double> u(0, 1);
    auto delay =
        backoffDelay(stats.consecutive_failures, opt.backoff_initial, opt.backoff_max, u(rng));
    // A coordinator that says when to come back (429, 503) is not asked sooner, nor later than
    // the longest backoff.
    if (retry_after) delay = std::min(std::max(delay, *retry_after), opt.backoff_max);
    // The first failure, a new reason, then every tenth: a down coordinator must not flood the
    // journal.
    if (stats.consecutive_failures == 1 || changed || stats.consecutive_failures % 10 == 0) {
      logWarning("coordinator: delivery failed (" + error + "), attempt " +
                 std::to_string(stats.consecutive_failures) + "; " +
                 std::to_string(stats.outbox.depth) + " event(s) queued; retrying in " +
                 std::to_string(delay.count()) + " ms");
    }
    schedule(delay);
  }

  // Over the bound, the oldest events leave the outbox (never the timeline), and an event on the
  // newest dropped one's incident says how many and which.
  void enforceBound() {
    refreshOutbox();
    if (static_cast<size_t>(stats.outbox.depth) <= opt.max_events) return;
    auto d = store.dropOldestPending(opt.max_events > 0 ? opt.max_events - 1 : 0);
    if (!d) {
      logError(d.error().message);
      return;
    }
    if (d->count == 0) return;
    stats.dropped += static_cast<uint64_t>(d->count);
    logError("coordinator: the outbox is over its bound of " + std::to_string(opt.max_events) +
             " events; dropped " + std::to_string(d->count) + " (seq " +
             std::to_string(d->first_seq) + " to " + std::to_string(d->last_seq) +
             ") from it; they stay on their timelines");
    (void)store.appendEvent(d->last_incident, clock.now(), "outbox_dropped",
                            json{{"count", d->count},
                                 {"first_seq", d->first_seq},
                                 {"last_seq", d->last_seq},
                                 {"max_events", opt.max_events}}
                                .dump());
    refreshOutbox();
  }

  std::string render(const std::vector<EventRecord>& batch) const {
    std::string prefix = opt.node_id + ":" + opt.store_id + ":";
    std::string out = "{\"node\":" + json(opt.node_id).dump() +
                      ",\"labels\":" + json(opt.node_labels).dump() +
                      ",\"agent_version\":" + json(kVersion).dump() + ",\"events\":[";
    out.reserve(out.size() + batch.size() * 256);
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& e = batch[i];
      std::string seq = std::to_string(e.seq);
      if (i) out += ',';
      out += "{\"key\":" + json(prefix + seq).dump() + ",\"seq\":" + seq +
             ",\"incident\":" + json(e.incident_id).dump() + ",\"at\":\"" + formatTimestamp(e.at) +
             "\",\"kind\":" + json(e.kind).dump() +
             ",\"data\":" + (e.data.empty() ? std::string("{}") : e.data) + "}";
    }
    out += "]}";
    return out;
  }

  void cycle() {
    if (!running || in_flight || opt.url.empty()) return;
    enforceBound();
    auto batch = store.pendingEvents(isolate_until > 0 ? 1 : opt.batch_size);
    if (!batch) {
      fail(batch.error().message, 0, 0);
      return;
    }
    if (batch->empty()) {
      isolate_until = 0;
      refreshOutbox();
      schedule(5s);  // wake() comes first when an event is appended
      return;
    }
    actions::HttpClientRequest req;
    req.method = "POST";
    req.url = opt.url;
    req.timeout = opt.timeout;
    req.max_response = 64 << 10;
    int64_t first = batch->front().seq, last = batch->back().seq;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", std::string("novacron-agent/") + kVersion},
                   {"Idempotency-Key", opt.node_id + ":" + opt.store_id + ":" +
                                           std::to_string(first) + "-" + std::to_string(last)}};
    if (opt.token_file) {
      auto token = actions::readSecret(*opt.token_file);
      if (!token) {
        fail(token.error().message, first, last);
        return;
      }
      req.headers.push_back({"Authorization", "Bearer " + *token});
    }
    req.body = render(*batch);
    in_flight = true;
    ++stats.attempts;
    stats.last_attempt = clock.now();
    size_t n = batch->size();
    actions::httpRequest(
        io, std::move(req),
        [weak = weak_from_this(), gen = generation, first, last, n](actions::HttpClientResponse r) {
          auto st = weak.lock();
          if (!st || st->generation != gen) return;
          st->in_flight = false;
          st->answered(r, first, last, n);
        });
  }

  void answered(const actions::HttpClientResponse& r, int64_t first, int64_t last, size_t n) {
    if (r.status >= 200 && r.status < 300) {
      if (auto m = store.markDelivered(first, last, clock.now()); !m) {
        // They will be sent again; the idempotency keys make that harmless.
        logError(m.error().message);
      }
      if (stats.consecutive_failures > 0) {
        logNotice("coordinator: delivering again after " +
                  std::to_string(stats.consecutive_failures) + " failed attempt(s)");
      }
      stats.delivered += n;
      stats.consecutive_failures = 0;
      stats.last_error.clear();
      stats.last_success = clock.now();
      if (last >= isolate_until) isolate_until = 0;
      refreshOutbox();
      schedule(0ms);
      return;
    }
    std::string error = describe(r);
    if (retryable(r.status)) {
      fail(error, first, last, r.retry_after);
      return;
    }
    ++stats.failures;
    if (n > 1) {
      // Which event did it refuse? Send them one at a time until past this batch.
      isolate_until = last;
      logWarning("coordinator: refused a batch of " + std::to_string(n) + " (" + error +
                 "); sending them one at a time to find the event it refuses");
    } else {
      if (auto p = store.parkEvent(first, error); !p) logError(p.error().message);
      ++stats.parked;
      logError("coordinator: refused event " + std::to_string(first) + " (" + error +
               "); parked, not retried");
    }
    stats.consecutive_failures = 0;
    schedule(0ms);
  }
};

Reporter::Reporter(asio::io_context& io, Store& store, const Clock& clock, ReporterOptions options)
    : state_(std::make_shared<State>(io, store, clock, std::move(options))) {}

Reporter::~Reporter() { stop(); }

void Reporter::start() {
  if (state_->running) return;
  state_->running = true;
  state_->refreshOutbox();
  if (!state_->opt.url.empty()) {
    if (state_->stats.outbox.depth > 0) {
      logInfo("coordinator: " + std::to_string(state_->stats.outbox.depth) +
              " event(s) waiting in the outbox; delivering to " + state_->opt.url);
    }
    state_->schedule(0ms);
  }
}

void Reporter::stop() {
  state_->running = false;
  state_->in_flight = false;
  state_->soon = false;
  ++state_->generation;
  state_->timer.cancel();
}

void Reporter::setOptions(ReporterOptions options) {
  if (options == state_->opt) return;
  bool was_running = state_->running;
  stop();
  state_->opt = std::move(options);
  state_->stats.consecutive_failures = 0;
  state_->isolate_until = 0;
  if (was_running) start();
}

void Reporter::wake() {
  State& st = *state_;
  // During a backoff the coordinator is left alone until the timer runs out.
  if (!st.running || st.in_flight || st.soon || st.opt.url.empty() ||
      st.stats.consecutive_failures > 0)
    return;
  st.soon = true;
  // A short pause gathers the burst of events an incident writes into one batch.
  st.schedule(20ms);
}

bool Reporter::enabled() const { return !state_->opt.url.empty(); }

const ReporterStats& Reporter::stats() const {
  state_->refreshOutbox();
  return state_->stats;
}

std::vector<collectors::Sample> Reporter::latest() const {
  state_->refreshOutbox();
  const ReporterStats& s = state_->stats;
  double oldest = s.outbox.oldest
                      ? std::max(0.0, toSeconds(state_->clock.now()) - toSeconds(*s.outbox.oldest))
                      : 0.0;
  return {{&kDepth, {}, static_cast<double>(s.outbox.depth)},
          {&kOldest, {}, oldest},
          {&kAttempts, {}, static_cast<double>(s.attempts)},
          {&kFailures, {}, static_cast<double>(s.failures)},
          {&kDelivered, {}, static_cast<double>(s.delivered)},
          {&kParked, {}, static_cast<double>(s.parked)},
          {&kDropped, {}, static_cast<double>(s.dropped)},
          {&kLastSuccess, {}, s.last_success ? toSeconds(*s.last_success) : 0.0}};
}

std::string Reporter::status(std::string& detail) const {
  state_->refreshOutbox();
  const State& st = *state_;
  const ReporterStats& s = st.stats;
  std::string queued = std::to_string(s.outbox.depth) + " queued";
  if (st.opt.url.empty()) {
    detail = "coordinator.url is not set; " + queued + " in the store";
    return "disabled";
  }
  if (s.consecutive_failures == 0) {
    detail = queued + (s.parked ? ", " + std::to_string(s.parked) + " parked" : "");
    return "ok";
  }
  double oldest = s.outbox.oldest ? toSeconds(st.clock.now()) - toSeconds(*s.outbox.oldest) : 0.0;
  detail =
      s.last_error + "; " + queued + ", oldest " + std::to_string(static_cast<int>(oldest)) + " s";
  return oldest > 300 ? "down" : "degraded";
}

std::span<const MetricDef* const> reporterMetrics() { return kMetrics; }

}  // namespace novacron::agent
