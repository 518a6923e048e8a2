#include "reporting/alertmanager.h"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "base/json_text.h"
#include "base/log.h"
#include "io/http_client.h"
#include "novacron/version.h"
#include "policy/severity.h"
#include "reporting/delivery_loop.h"

namespace novacron::reporting {

namespace asio = boost::asio;
using json = nlohmann::json;
using metrics::MetricDef;
using metrics::MetricType;
using namespace std::chrono_literals;

namespace {

constexpr MetricDef kPushes{"novacron_alertmanager_pushes_total", MetricType::kCounter, "",
                            "POSTs of alerts to Alertmanager since start."};
constexpr MetricDef kFailures{"novacron_alertmanager_failures_total", MetricType::kCounter, "",
                              "POSTs of alerts that Alertmanager did not accept."};
constexpr MetricDef kFiring{"novacron_alertmanager_firing_alerts", MetricType::kGauge, "",
                            "Open incidents in the last push to Alertmanager."};
constexpr MetricDef kLastSuccess{"novacron_alertmanager_last_success_timestamp_seconds",
                                 MetricType::kGauge, "",
                                 "When Alertmanager last accepted a push, Unix seconds; 0 if not "
                                 "since start."};
constexpr const MetricDef* kMetrics[] = {&kFailures, &kFiring, &kLastSuccess, &kPushes};

// The runbook's names for SEV-1 to SEV-4: critical, high, medium, low.
std::string severityName(int severity) {
  auto info = policy::severityInfo(severity);
  return std::string(info ? info->name : "low");
}

}  // namespace

std::string renderAlerts(const std::vector<incidents::IncidentRecord>& incidents,
                         const std::map<std::string, std::string>& descriptions,
                         const AlertmanagerOptions& options, TimePoint now) {
  json alerts = json::array();
  for (const auto& inc : incidents) {
    json labels = {{"alertname", inc.playbook},
                   {"severity", severityName(inc.severity)},
                   {"category", inc.category},
                   {"instance", options.node_id}};
    // The incident's own labels tell apart two incidents of one playbook; node labels come last
    // and never replace one.
    json own = json::parse(inc.labels, nullptr, false);
    if (own.is_object()) {
      for (const auto& [k, v] : own.items()) {
        if (!labels.contains(k) && v.is_string()) labels[k] = v;
      }
    }
    for (const auto& [k, v] : options.node_labels) {
      if (!labels.contains(k)) labels[k] = v;
    }
    auto d = descriptions.find(inc.playbook);
    std::string description = d != descriptions.end() ? d->second : inc.playbook;
    TimePoint ends = inc.resolved_at ? *inc.resolved_at : now + 4 * options.resend_interval;
    json annotations = {{"summary", "SEV-" + std::to_string(inc.severity) + " " + inc.playbook +
                                        " on " + options.node_id},
                        {"description", description},
                        {"incident_id", inc.id},
                        {"state", std::string(incidents::incidentStateName(inc.state))}};
    if (inc.dry_run) annotations["dry_run"] = "true";
    alerts.push_back({{"labels", labels},
                      {"annotations", annotations},
                      {"startsAt", formatTimestamp(inc.opened_at)},
                      {"endsAt", formatTimestamp(ends)}});
  }
  return jsonText(alerts);
}

struct AlertmanagerPusher::State {
  State(asio::io_context& io, incidents::Store& s, const Clock& c, AlertmanagerOptions o)
      : store(s), clock(c), opt(std::move(o)), loop(io, [this] { push(); }) {}
  incidents::Store& store;
  const Clock& clock;
  AlertmanagerOptions opt;
  AlertmanagerStats stats;
  std::map<std::string, std::string> descriptions;
  std::set<std::string> firing;  // pushed as open
  std::map<std::string, incidents::IncidentRecord>
      ending;  // resolved; Alertmanager has not heard yet
  std::chrono::steady_clock::time_point last_push{};
  bool started = false;  // start() came, stop() not yet
  DeliveryLoop loop;     // last: its callbacks reach the members above

  void push() {
    TimePoint now = clock.now();
    auto open = store.openIncidents();
    if (!open) {
      logError("alertmanager: " + open.error().message);
      loop.schedule(opt.resend_interval);
      return;
    }
    std::set<std::string> open_ids;
    for (const auto& inc : *open) open_ids.insert(inc.id);
    for (const auto& id : firing) {
      if (open_ids.count(id)) continue;
      auto rec = store.incident(id);
      if (rec && *rec) {
        incidents::IncidentRecord r = **rec;
        if (!r.resolved_at) r.resolved_at = now;
        ending[id] = std::move(r);
      }
    }
    firing = open_ids;
    // Past four resend intervals Alertmanager has ended the alert by itself.
    std::erase_if(ending, [&](const auto& kv) {
      return *kv.second.resolved_at + 4 * opt.resend_interval < now;
    });
    std::vector<incidents::IncidentRecord> alerts = *open;
    std::vector<std::string> ended;
    for (const auto& [id, r] : ending) {
      alerts.push_back(r);
      ended.push_back(id);
    }
    if (alerts.empty()) {
      stats.firing = 0;
      loop.schedule(opt.resend_interval);
      return;
    }
    io::HttpClientRequest req;
    req.method = "POST";
    std::string base = opt.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    req.url = base + "/api/v2/alerts";
    req.timeout = opt.timeout;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", std::string("novacron-agent/") + kVersion}};
    req.body = renderAlerts(alerts, descriptions, opt, now);
    last_push = std::chrono::steady_clock::now();
    ++stats.pushes;
    size_t n_open = open->size();
    loop.send(std::move(req), [this, ended, n_open](const io::HttpClientResponse& r) {
      answered(r, ended, n_open);
    });
  }

  void answered(const io::HttpClientResponse& r, const std::vector<std::string>& ended,
                size_t n_open) {
    if (r.status >= 200 && r.status < 300) {
      for (const auto& id : ended) ending.erase(id);
      if (loop.consecutiveFailures() > 0) logNotice("alertmanager: pushing alerts again");
      loop.succeeded();
      stats.firing = n_open;
      stats.last_success = clock.now();
      stats.last_error.clear();
      loop.schedule(opt.resend_interval);
      return;
    }
    ++stats.failures;
    std::string error = describeResponse(r);
    stats.last_error = error;
    bool log = false;
    auto delay = loop.failed(error, 1s, opt.resend_interval, r.retry_after, log);
    if (log) {
      logWarning("alertmanager: push failed (" + error + "), attempt " +
                 std::to_string(loop.consecutiveFailures()));
    }
    loop.schedule(delay);
  }
};

AlertmanagerPusher::AlertmanagerPusher(asio::io_context& io, incidents::Store& store,
                                       const Clock& clock, AlertmanagerOptions options)
    : state_(std::make_unique<State>(io, store, clock, std::move(options))) {}

AlertmanagerPusher::~AlertmanagerPusher() = default;

void AlertmanagerPusher::start() {
  State& st = *state_;
  st.started = true;
  if (st.opt.url.empty() || st.loop.running()) return;
  // Incidents that ended just before a restart may still fire in Alertmanager: end them there.
  TimePoint now = st.clock.now();
  if (auto recent = st.store.incidents(now - 4 * st.opt.resend_interval, false, 1000)) {
    for (auto& r : *recent) {
      if (r.resolved_at) st.ending[r.id] = std::move(r);
    }
  }
  st.loop.start();
}

void AlertmanagerPusher::stop() {
  state_->started = false;
  state_->loop.stop();
}

void AlertmanagerPusher::setOptions(AlertmanagerOptions options) {
  State& st = *state_;
  if (options == st.opt) return;
  st.loop.stop();
  st.opt = std::move(options);
  st.loop.succeeded();
  if (st.started) start();
}

void AlertmanagerPusher::wake() {
  State& st = *state_;
  // Gathered: at most about one push a second, however many events are written.
  auto since = std::chrono::steady_clock::now() - st.last_push;
  auto wait = since < 1s ? std::chrono::duration_cast<milliseconds>(1s - since) : 200ms;
  st.loop.wake(std::max<milliseconds>(wait, 200ms));
}

void AlertmanagerPusher::setDescriptions(std::map<std::string, std::string> descriptions) {
  state_->descriptions = std::move(descriptions);
}

bool AlertmanagerPusher::enabled() const { return !state_->opt.url.empty(); }

const AlertmanagerStats& AlertmanagerPusher::stats() const { return state_->stats; }

std::vector<metrics::Sample> AlertmanagerPusher::latest() const {
  const AlertmanagerStats& s = state_->stats;
  return {{&kPushes, {}, static_cast<double>(s.pushes)},
          {&kFailures, {}, static_cast<double>(s.failures)},
          {&kFiring, {}, static_cast<double>(s.firing)},
          {&kLastSuccess, {}, s.last_success ? toSeconds(*s.last_success) : 0.0}};
}

std::span<const MetricDef* const> alertmanagerMetrics() { return kMetrics; }

}  // namespace novacron::reporting
