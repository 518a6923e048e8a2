// collectors.scrape: the applications' own /metrics on this host.
#include <algorithm>
#include <cctype>
#include <set>

#include "agent/config/config_readers.h"
#include "base/pattern.h"
#include "io/url.h"

namespace novacron::agent {

using namespace std::chrono_literals;
using collectors::ScrapeConfig;

void readScrape(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!n.IsSequence()) {
    r.error(n, "collectors.scrape must be a list of {name, url, ...}");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < n.items().size(); ++i) {
    const yaml::Node& t = n.items()[i];
    std::string where = "collectors.scrape[" + std::to_string(i) + "]";
    if (!r.checkMap(t, where,
                    {"name", "url", "interval", "timeout", "metrics", "max_series", "max_size_mib",
                     "expose"}))
      continue;
    ScrapeConfig sc;
    bool ok = true;
    auto name = r.get(t, "name", where + ".name");
    auto url = r.get(t, "url", where + ".url");
    if (!name.IsDefined() || !url.IsDefined()) {
      r.error(t, where + " needs a name and a url");
      continue;
    }
    if (auto s = readEntryName(r, name, where, names, "target"))
      sc.name = *s;
    else
      ok = false;
    if (auto s = r.string(url, where + ".url")) {
      if (auto u = io::parseUrl(*s); !u) {
        r.error(url, where + ".url: " + u.error().message);
        ok = false;
      }
      sc.url = *s;
    } else {
      ok = false;
    }
    ok = readIntervalTimeout(r, t, where, sc.interval, sc.timeout) && ok;
    if (auto v = r.get(t, "max_series", where + ".max_series"); v.IsDefined()) {
      if (auto k = r.integer(v, where + ".max_series", 1, 50000))
        sc.max_series = static_cast<size_t>(*k);
      else
        ok = false;
    }
    if (auto v = r.get(t, "max_size_mib", where + ".max_size_mib"); v.IsDefined()) {
      if (auto k = r.integer(v, where + ".max_size_mib", 1, 256))
        sc.max_bytes = static_cast<size_t>(*k) << 20;
      else
        ok = false;
    }
    if (auto v = r.get(t, "expose", where + ".expose"); v.IsDefined()) {
      if (auto b = r.boolean(v, where + ".expose"))
        sc.expose = *b;
      else
        ok = false;
    }
    if (auto m = r.get(t, "metrics", where + ".metrics"); m.IsDefined()) {
      if (!m.IsSequence()) {
        r.error(m, where + ".metrics must be a list of patterns, e.g. [\"http_.*\", queue_depth]");
        ok = false;
      } else {
        for (const auto& item : m.items()) {
          auto s = r.string(item, where + ".metrics");
          if (!s) {
            ok = false;
            continue;
          }
          if (auto p = Pattern::compile(*s); !p) {
            r.error(item, where + ".metrics: '" + *s +
                              "' is not a regular expression: " + p.error().message);
            ok = false;
          }
          sc.metrics.push_back(*s);
        }
      }
    }
    if (ok) c.sources.scrape.push_back(std::move(sc));
  }
}

}  // namespace novacron::agent
