#include "collectors/scrape/scrape_set.h"

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <unordered_map>

#include "base/guard.h"
#include "base/pattern.h"
#include "base/text.h"
#include "collectors/cycle_timer.h"
#include "collectors/registry.h"
#include "collectors/scrape/scraped_metrics.h"
#include "collectors/source_options.h"
#include "io/gzip.h"
#include "io/http_client.h"
#include "metrics/exposition_parser.h"

namespace novacron::collectors {

namespace {

// A target's `metrics`, compiled once: which names it keeps.
class MetricAllowList {
 public:
  explicit MetricAllowList(const std::vector<std::string>& patterns) {
    // The configuration was checked when it was read: a pattern that fails here is left out.
    for (const auto& p : patterns)
      if (auto c = Pattern::compile(p)) patterns_.push_back(*c);
  }
  bool admits(std::string_view name) const {
    // The agent's own names are its own: a scraped one would mix with them.
    if (name.starts_with("novacron_")) return false;
    if (patterns_.empty()) return true;
    return std::any_of(patterns_.begin(), patterns_.end(),
                       [&](const auto& p) { return p->matches(name); });
  }

 private:
  std::vector<std::shared_ptr<const Pattern>> patterns_;
};

}  // namespace

bool scrapeAdmits(const std::vector<ScrapeConfig>& targets, std::string_view name) {
  if (isHostMetricName(name)) return false;
  return std::any_of(targets.begin(), targets.end(), [&](const ScrapeConfig& t) {
    return MetricAllowList(t.metrics).admits(name);
  });
}

// --- reading one body ------------------------------------------------------------------------

// Marks a name that is the host's (isHostMetricName) among the admitted ones: never stored.
constexpr metrics::MetricDef kHostsName{"", metrics::MetricType::kGauge, "", ""};

struct ScrapeReader::Impl {
  explicit Impl(const ScrapeConfig& c) : config(c), allow(c.metrics) {}
  ScrapeConfig config;
  MetricAllowList allow;
  metrics::ExpositionParser parser;
  // Whether a name is admitted, remembered: the allow-list runs once per name, not per sample.
  std::unordered_map<std::string, const metrics::MetricDef*> admitted;
  // The previous sample's name and answer: a family's samples come together, so most samples
  // need neither the map nor a string made for it.
  std::string last_name;
  const metrics::MetricDef* last_def = nullptr;
};

ScrapeReader::ScrapeReader(const ScrapeConfig& config) : impl_(std::make_unique<Impl>(config)) {}
ScrapeReader::~ScrapeReader() = default;
ScrapeReader::ScrapeReader(ScrapeReader&&) noexcept = default;

ScrapeRead ScrapeReader::read(std::string_view body, metrics::ExpositionFormat format) {
  ScrapeRead out;
  Impl& s = *impl_;
  auto def = [&](std::string_view name) -> const metrics::MetricDef* {
    if (name == s.last_name) return s.last_def;
    s.last_name.assign(name);
    if (auto it = s.admitted.find(s.last_name); it != s.admitted.end())
      return s.last_def = it->second;
    const metrics::MetricDef* d = nullptr;
    if (s.admitted.size() < kMaxScrapedNames && s.allow.admits(name))
      d = isHostMetricName(name) ? &kHostsName : scrapedMetric(name);
    s.admitted.emplace(name, d);
    return s.last_def = d;
  };
  auto stats = s.parser.parse(
      body,
      [&](const metrics::ParsedSample& p) {
        const metrics::MetricDef* d = def(p.name);
        if (!d) return true;
        if (d == &kHostsName) {
          // The application's series never stand in for the host's, whatever the allow-list says.
          ++out.dropped;
          if (out.hosts_names++ == 0) out.hosts_name = std::string(p.name);
          return true;
        }
        if (out.samples.size() >= s.config.max_series) {
          ++out.dropped;
          return true;
        }
        metrics::Labels labels;
        labels.reserve(p.labels.size() + 1);
        for (const auto& [k, v] : p.labels)
          labels.push_back({k == "target" ? "exported_target" : std::string(k), std::string(v)});
        labels.push_back({"target", s.config.name});
        out.samples.push_back({d, std::move(labels), p.value});
        return true;
      },
      format);
  out.bad_lines = stats.bad_lines;
  out.first_error = stats.first_error;
  return out;
}

// --- the targets -----------------------------------------------------------------------------

struct ScrapeSet::Target {
  Target(boost::asio::io_context& io, const ScrapeConfig& c) : config(c), reader(c), cycle(io) {}
  ScrapeConfig config;
  ScrapeReader reader;
  CycleTimer cycle;
  ScrapeHealth health;
  std::vector<metrics::Sample> own;      // novacron_scrape_* of the last scrape
  std::vector<metrics::Sample> exposed;  // its series, kept for /metrics only when `expose` asks
};

ScrapeSet::ScrapeSet(boost::asio::io_context& io, const Clock& clock, Sink sink)
    : io_(io), clock_(clock), sink_(std::move(sink)) {}

ScrapeSet::~ScrapeSet() { stop(); }

void ScrapeSet::stop() {
  for (auto& t : targets_) t->cycle.stop();
  targets_.clear();
}

void ScrapeSet::configure(const std::vector<ScrapeConfig>& targets) {
  stop();
  for (const auto& c : targets) {
    auto t = std::make_shared<Target>(io_, c);
    t->health.name = c.name;
    t->health.url = c.url;
    targets_.push_back(t);
    // A raw pointer: the target owns its cycle, and nothing of a stopped cycle runs.
    t->cycle.start([this, target = t.get()] { scrape(*target); });
  }
}

void ScrapeSet::scrape(Target& target) {
  Target* t = &target;
  auto started = std::chrono::steady_clock::now();
  io::HttpClientRequest req;
  req.url = t->config.url;
  req.timeout = t->config.timeout;
  req.max_response = t->config.max_bytes;
  req.headers = {
      {"Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4"},
      {"Accept-Encoding", "gzip"}};
  // Reconfigured or stopping: the target (and `this`) may be gone, and the callback does nothing.
  io::httpRequest(
      io_, std::move(req), t->cycle.whileRunning([this, t, started](io::HttpClientResponse r) {
        guarded("scrape " + t->config.name, [&] {
          ScrapeHealth& h = t->health;
          std::string error;
          ScrapeRead read;
          if (r.status == 0) {
            error = r.error;
          } else if (r.status != 200) {
            error = "HTTP " + std::to_string(r.status);
          } else if (r.content_encoding == "gzip") {
            auto body = io::gunzip(r.body, t->config.max_bytes);
            if (body)
              read = t->reader.read(*body, metrics::formatOfContentType(r.content_type));
            else
              error = body.error().message;
          } else if (r.content_encoding.empty() || r.content_encoding == "identity") {
            read = t->reader.read(r.body, metrics::formatOfContentType(r.content_type));
          } else {
            error = "unknown Content-Encoding '" + quoteForMessage(r.content_encoding, 64) + "'";
          }
          h.finished(
              validUtf8(error),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          h.series = read.samples.size();
          h.dropped = read.dropped;
          h.bad_lines = read.bad_lines;
          if (h.up)
            h.last_error =
                read.bad_lines > 0 ? std::to_string(read.bad_lines) +
                                         " line(s) skipped, first at " + read.first_error
                : read.hosts_names > 0
                    ? std::to_string(read.hosts_names) + " series named as this host's metrics (" +
                          validUtf8(read.hosts_name) +
                          ") left out: an application may not serve them"
                : read.dropped > 0 ? std::to_string(read.dropped) + " series over max_series " +
                                         std::to_string(t->config.max_series) + " left out"
                                   : "";
          auto defs = scrapeMetrics();
          metrics::Labels labels = {{"target", t->config.name}};
          t->own = {{defs[0], labels, h.up ? 1.0 : 0.0},
                    {defs[1], labels, h.duration_seconds},
                    {defs[2], labels, static_cast<double>(h.series)},
                    {defs[3], labels, static_cast<double>(h.dropped)},
                    {defs[4], labels, static_cast<double>(h.bad_lines)}};
          TimePoint now = clock_.now();
          if (t->config.expose) t->exposed = read.samples;
          read.samples.insert(read.samples.end(), t->own.begin(), t->own.end());
          if (sink_) sink_(now, std::move(read.samples));
        });
        t->cycle.end(t->config.interval);
      }));
}

void ScrapeSet::latest(Batches& out) const {
  std::vector<metrics::Sample> own;
  for (const auto& t : targets_) own.insert(own.end(), t->own.begin(), t->own.end());
  out.add(std::move(own));
  for (const auto& t : targets_) {
    if (t->config.expose) out.add(t->exposed);
  }
}

std::vector<ScrapeHealth> ScrapeSet::health() const {
  std::vector<ScrapeHealth> out;
  for (const auto& t : targets_) out.push_back(t->health);
  return out;
}

void ScrapeSet::status(std::vector<SourceStatus>& rows) const {
  for (const auto& h : health()) {
    rows.push_back(h.row(
        "scrape", h.bad_lines > 0 || h.dropped > 0, h.up ? 0.0 : 1.0,
        h.last_error.empty() ? std::to_string(h.series) + " series from " + h.url : h.last_error));
  }
}

const ListedSource kScrapeSource =
    listedSource<ScrapeSet, &SourceOptions::scrape>("scrape", &scrapeMetrics);

}  // namespace novacron::collectors
