#include "reporting/reporter.h"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/log.h"
#include "base/secret.h"
#include "incidents/incident_commands.h"
#include "io/http_client.h"
#include "novacron/version.h"
#include "reporting/delivery_loop.h"

namespace novacron::reporting {

namespace asio = boost::asio;
using json = nlohmann::json;
using metrics::MetricDef;
using metrics::MetricType;
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

// A 400 that names the body's schema_version (contract/openapi.json: `error`), not an event.
bool refusesTheBody(const io::HttpClientResponse& r) {
  if (r.status != 400) return false;
  json j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.value("error", json()) == "schema_version";
}

}  // namespace

struct Reporter::State {
  State(asio::io_context& io, incidents::Store& s, const Clock& c, ReporterOptions o)
      : store(s), clock(c), opt(std::move(o)), loop(io, [this] { cycle(); }) {}
  incidents::Store& store;
  const Clock& clock;
  ReporterOptions opt;
  ReporterStats stats;
  int64_t isolate_until = 0;  // after a refused batch: one event at a time up to this seq
  size_t url_at = 0;          // the coordinator tried now; the next after each failure
  std::function<AgentSelf()> self;
  std::optional<TimePoint> last_sent;  // the last batch the coordinator accepted, heartbeat or not
  bool started = false;  // start() came, stop() not yet: a URL set later starts delivery
  DeliveryLoop loop;     // last: its callbacks reach the members above

  void fail(const std::string& error, int64_t first, int64_t last,
            std::optional<milliseconds> retry_after = std::nullopt) {
    ++stats.failures;
    stats.last_error = error;
    // The next attempt goes to the next coordinator, after the same backoff.
    if (!opt.urls.empty()) url_at = (url_at + 1) % opt.urls.size();
    if (first > 0) {
      if (auto r = store.recordAttempt(first, last, error); !r) logError(r.error().message);
    }
    bool log = false;
    auto delay = loop.failed(error, opt.backoff_initial, opt.backoff_max, retry_after, log);
    if (log) {
      logWarning("coordinator: delivery failed (" + error + "), attempt " +
                 std::to_string(loop.consecutiveFailures()) + "; " +
                 std::to_string(store.outboxDepth()) + " event(s) queued; retrying in " +
                 std::to_string(delay.count()) + " ms");
    }
    loop.schedule(delay);
  }

  // Over the bound, the oldest events leave the outbox (never the timeline), and an event on the
  // newest dropped one's incident says how many and which.
  void enforceBound() {
    if (static_cast<size_t>(store.outboxDepth()) <= opt.max_events) return;
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
    auto noted = store.appendEvent(d->last_incident, clock.now(), "outbox_dropped",
                                   jsonText(json{{"count", d->count},
                                                 {"first_seq", d->first_seq},
                                                 {"last_seq", d->last_seq},
                                                 {"max_events", opt.max_events}}));
    if (!noted) logError("coordinator: cannot record the drop: " + noted.error().message);
  }

  // The push body (contract/push.schema.json): the events, the current record of each incident
  // they belong to, and what the agent says about itself.
  Result<std::string> render(const std::vector<incidents::EventRecord>& batch) {
    std::string prefix = opt.node_id + ":" + opt.store_id + ":";
    AgentSelf me = self ? self() : AgentSelf{};
    json agent = {{"outbox_depth", store.outboxDepth()},
                  {"policy_digest", me.policy_digest},
                  {"paused", me.paused},
                  {"playbooks", me.playbooks}};
    std::string out =
        "{\"schema_version\":" + jsonText(std::string(kPushSchemaVersion)) +
        ",\"node\":" + jsonText(opt.node_id) + ",\"store\":" + jsonText(opt.store_id) +
        ",\"labels\":" + jsonText(opt.node_labels) + ",\"agent_version\":" + jsonText(kVersion) +
        ",\"agent\":" + jsonText(agent) + ",\"events\":[";
    out.reserve(out.size() + batch.size() * 256);
    json incidents = json::object();
    for (size_t i = 0; i < batch.size(); ++i) {
      const auto& e = batch[i];
      std::string seq = std::to_string(e.seq);
      if (i) out += ',';
      out += "{\"key\":" + jsonText(prefix + seq) + ",\"seq\":" + seq +
             ",\"incident\":" + jsonText(e.incident_id) + ",\"at\":\"" + formatTimestamp(e.at) +
             "\",\"kind\":" + jsonText(e.kind) +
             ",\"data\":" + (e.data.empty() ? std::string("{}") : e.data) + "}";
      if (incidents.contains(e.incident_id)) continue;
      auto rec = store.incident(e.incident_id);
      if (!rec) return rec.error();
      if (*rec) incidents[e.incident_id] = incidents::incidentJson(**rec);
    }
    out += "],\"incidents\":" + jsonText(incidents) + "}";
    return out;
  }

  void cycle() {
    if (opt.urls.empty()) return;
    enforceBound();
    auto batch = store.pendingEvents(isolate_until > 0 ? 1 : opt.batch_size);
    if (!batch) {
      fail(batch.error().message, 0, 0);
      return;
    }
    if (batch->empty()) {
      isolate_until = 0;
      // Nothing to send: a heartbeat when one is due, else a look again (wake() comes first
      // when an event is appended).
      TimePoint now = clock.now();
      if (last_sent && now - *last_sent < opt.heartbeat) {
        loop.schedule(std::min<milliseconds>(
            5s, std::chrono::duration_cast<milliseconds>(opt.heartbeat - (now - *last_sent))));
        return;
      }
    }
    io::HttpClientRequest req;
    req.method = "POST";
    req.url = opt.urls[url_at % opt.urls.size()];
    req.ca_file = opt.ca_file;
    req.cert_file = opt.cert_file;
    req.key_file = opt.key_file;
    req.timeout = opt.timeout;
    req.max_response = 64 << 10;
    int64_t first = batch->empty() ? 0 : batch->front().seq;
    int64_t last = batch->empty() ? 0 : batch->back().seq;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", std::string("novacron-agent/") + kVersion},
                   {"Idempotency-Key", opt.node_id + ":" + opt.store_id + ":" +
                                           std::to_string(first) + "-" + std::to_string(last)}};
    if (opt.token_file) {
      auto token = readSecret(*opt.token_file);
      if (!token) {
        fail(token.error().message, first, last);
        return;
      }
      req.headers.push_back({"Authorization", "Bearer " + *token});
    }
    auto body = render(*batch);
    if (!body) {
      fail(body.error().message, first, last);
      return;
    }
    req.body = std::move(*body);
    ++stats.attempts;
    stats.last_attempt = clock.now();
    size_t n = batch->size();
    loop.send(std::move(req), [this, first, last, n](const io::HttpClientResponse& r) {
      answered(r, first, last, n);
    });
  }

  void answered(const io::HttpClientResponse& r, int64_t first, int64_t last, size_t n) {
    if (r.status >= 200 && r.status < 300) {
      last_sent = clock.now();
      if (n == 0) {  // a heartbeat
        loop.succeeded();
        stats.last_error.clear();
        stats.last_success = clock.now();
        loop.schedule(0ms);
        return;
      }
      if (auto m = store.markDelivered(first, last, clock.now()); !m) {
        // They will be sent again; the idempotency keys make that harmless.
        logError(m.error().message);
      }
      if (loop.consecutiveFailures() > 0) {
        logNotice("coordinator: delivering again after " +
                  std::to_string(loop.consecutiveFailures()) + " failed attempt(s)");
      }
      loop.succeeded();
      stats.delivered += n;
      stats.last_error.clear();
      stats.last_success = clock.now();
      if (last >= isolate_until) isolate_until = 0;
      loop.schedule(0ms);
      return;
    }
    std::string error = describeResponse(r);
    if (refusesTheBody(r)) {
      // Not one event's fault: this agent speaks a contract version the coordinator does not
      // know. Parking would discard every event; retried until one of them is upgraded.
      fail("the coordinator refuses this agent's push format " + std::string(kPushSchemaVersion) +
               " (" + error + "); upgrade one of them",
           first, last);
      return;
    }
    if (retryable(r.status) || n == 0) {
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
    // The coordinator answers: no backoff.
    loop.succeeded();
    loop.schedule(0ms);
  }
};

Reporter::Reporter(asio::io_context& io, incidents::Store& store, const Clock& clock,
                   ReporterOptions options)
    : state_(std::make_unique<State>(io, store, clock, std::move(options))) {}

Reporter::~Reporter() = default;

void Reporter::start() {
  State& st = *state_;
  st.started = true;
  if (st.opt.urls.empty() || st.loop.running()) return;
  if (int64_t depth = st.store.outboxDepth(); depth > 0) {
    logInfo("coordinator: " + std::to_string(depth) +
            " event(s) waiting in the outbox; delivering to " + st.opt.urls.front());
  }
  st.loop.start();
}

void Reporter::stop() {
  state_->started = false;
  state_->loop.stop();
}

void Reporter::setOptions(ReporterOptions options) {
  State& st = *state_;
  if (options == st.opt) return;
  st.loop.stop();
  st.opt = std::move(options);
  st.loop.succeeded();
  st.isolate_until = 0;
  st.url_at = 0;
  if (st.started) start();
}

void Reporter::setSelf(std::function<AgentSelf()> self) { state_->self = std::move(self); }

// A short pause gathers the burst of events an incident writes into one batch.
void Reporter::wake() { state_->loop.wake(20ms); }

bool Reporter::enabled() const { return !state_->opt.urls.empty(); }

const ReporterStats& Reporter::stats() const { return state_->stats; }

incidents::OutboxStats Reporter::outbox() const {
  auto s = state_->store.outboxStats();
  if (!s) {
    logError(s.error().message);
    return {state_->store.outboxDepth(), std::nullopt};
  }
  return *s;
}

std::vector<metrics::Sample> Reporter::latest() const {
  const ReporterStats& s = state_->stats;
  incidents::OutboxStats o = outbox();
  double oldest =
      o.oldest ? std::max(0.0, toSeconds(state_->clock.now()) - toSeconds(*o.oldest)) : 0.0;
  return {{&kDepth, {}, static_cast<double>(o.depth)},
          {&kOldest, {}, oldest},
          {&kAttempts, {}, static_cast<double>(s.attempts)},
          {&kFailures, {}, static_cast<double>(s.failures)},
          {&kDelivered, {}, static_cast<double>(s.delivered)},
          {&kParked, {}, static_cast<double>(s.parked)},
          {&kDropped, {}, static_cast<double>(s.dropped)},
          {&kLastSuccess, {}, s.last_success ? toSeconds(*s.last_success) : 0.0}};
}

std::string Reporter::status(std::string& detail) const {
  const State& st = *state_;
  const ReporterStats& s = st.stats;
  incidents::OutboxStats o = outbox();
  std::string queued = std::to_string(o.depth) + " queued";
  if (st.opt.urls.empty()) {
    detail = "coordinator.urls is not set; " + queued + " in the store";
    return "disabled";
  }
  if (st.loop.consecutiveFailures() == 0) {
    detail = queued + (s.parked ? ", " + std::to_string(s.parked) + " parked" : "");
    return "ok";
  }
  double oldest = o.oldest ? toSeconds(st.clock.now()) - toSeconds(*o.oldest) : 0.0;
  detail =
      s.last_error + "; " + queued + ", oldest " + std::to_string(static_cast<int>(oldest)) + " s";
  return oldest > 300 ? "down" : "degraded";
}

std::span<const MetricDef* const> reporterMetrics() { return kMetrics; }

}  // namespace novacron::reporting
