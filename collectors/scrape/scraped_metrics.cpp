#include "collectors/scrape/scraped_metrics.h"

#include <deque>
#include <string>
#include <unordered_map>

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kUp{"novacron_scrape_up", metrics::MetricType::kGauge, "target",
                                 "1 if the target's last scrape was read, 0 if it failed."};
constexpr metrics::MetricDef kDuration{"novacron_scrape_duration_seconds",
                                       metrics::MetricType::kGauge, "target",
                                       "Duration of the target's last scrape, seconds."};
constexpr metrics::MetricDef kSeries{"novacron_scrape_series", metrics::MetricType::kGauge,
                                     "target",
                                     "Series the target's last scrape put in the metric store."};
constexpr metrics::MetricDef kDropped{
    "novacron_scrape_dropped_series", metrics::MetricType::kGauge, "target",
    "Series of the last scrape left out: over max_series, names past "
    "the agent's limit, or names of this host's own metrics."};
constexpr metrics::MetricDef kBad{
    "novacron_scrape_bad_lines", metrics::MetricType::kGauge, "target",
    "Lines of the last scrape that could not be read and were skipped."};
constexpr const metrics::MetricDef* kMetrics[] = {&kUp, &kDuration, &kSeries, &kDropped, &kBad};

bool metricName(std::string_view n) {
  if (n.empty() || n.size() > 200) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::span<const metrics::MetricDef* const> scrapeMetrics() { return kMetrics; }

const metrics::MetricDef* scrapedMetric(std::string_view name) {
  // Interned for the process: a MetricDef's address is its identity in the store.
  static auto* names = new std::deque<std::string>;
  static auto* defs = new std::unordered_map<std::string_view, metrics::MetricDef>;
  if (auto it = defs->find(name); it != defs->end()) return &it->second;
  if (defs->size() >= kMaxScrapedNames || !metricName(name)) return nullptr;
  const std::string& kept = names->emplace_back(name);
  auto [it, added] = defs->emplace(kept, metrics::MetricDef{kept, metrics::MetricType::kGauge, "*",
                                                            "Scraped from a local application."});
  return &it->second;
}

}  // namespace novacron::collectors
