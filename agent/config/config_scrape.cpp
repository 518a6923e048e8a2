// collectors.scrape: the applications' own /metrics on this host.
#include "agent/config/config_fields.h"
#include "base/pattern.h"

namespace novacron::agent {

using collectors::ScrapeConfig;

namespace {

bool readMaxSize(FieldContext& c, const Field<ScrapeConfig>& f, const yaml::Node& v,
                 ScrapeConfig& e) {
  auto k = c.r.integer(v, c.at(f.key), f.min, f.max);
  if (k) e.max_bytes = static_cast<size_t>(*k) << 20;
  return k.has_value();
}

bool readPatterns(FieldContext& c, const Field<ScrapeConfig>& f, const yaml::Node& v,
                  ScrapeConfig& e) {
  if (!v.IsSequence()) {
    c.r.error(v, c.at(f.key) + " must be a list of patterns, e.g. [\"http_.*\", queue_depth]");
    return false;
  }
  bool ok = true;
  for (const auto& item : v.items()) {
    auto s = c.r.string(item, c.at(f.key));
    if (!s) {
      ok = false;
      continue;
    }
    if (auto p = Pattern::compile(*s); !p) {
      c.r.error(item,
                c.at(f.key) + ": '" + *s + "' is not a regular expression: " + p.error().message);
      ok = false;
    }
    e.metrics.push_back(*s);
  }
  return ok;
}

constexpr Field<ScrapeConfig> kScrapeFields[] = {
    {"name", "name", 0, 0, "", "the `target` label of its series (letters, digits, `.`, `_`, `-`)",
     &readNameField<&ScrapeConfig::name>, true},
    {"url", "URL", 0, 0, "", "its `/metrics`, `http://` or `https://` on this host",
     &readUrlField<&ScrapeConfig::url>, true},
    {"interval", "duration", 1000, 3600000, "15s", "how often it is read",
     &readValue<&ScrapeConfig::interval>},
    {"timeout", "duration", 100, 60000, "5s",
     "a read not done within this fails; at most the interval", &readValue<&ScrapeConfig::timeout>},
    {"metrics", "list", 0, 0, "every metric",
     "an allow-list of POSIX extended patterns, anchored, that a metric's name must match",
     &readPatterns},
    {"max_series", "integer", 1, 50000, "2000",
     "series kept per scrape; the rest are dropped and counted",
     &readValue<&ScrapeConfig::max_series>},
    {"max_size_mib", "integer", 1, 256, "10", "the body is refused past this, inflated or not",
     &readMaxSize},
    {"expose", "boolean", 0, 0, "false",
     "also serve its series on the agent's `/metrics` (otherwise they are in the store for "
     "conditions only: Prometheus scrapes the application itself)",
     &readValue<&ScrapeConfig::expose>},
};

}  // namespace

const MapSpec<ScrapeConfig> kScrapeSpec = {
    "collectors.scrape",
    "local Prometheus endpoints (text format 0.0.4 or OpenMetrics, gzip accepted). Each sample "
    "keeps its name and labels, plus `target: NAME` (an application's own `target` label becomes "
    "`exported_target`); names starting `novacron_` are never taken",
    "{name, url, ...}",
    "a name and a url",
    "target",
    kScrapeFields,
    &checkTimeoutWithinInterval<ScrapeConfig>};

}  // namespace novacron::agent
