#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace novacron::collectors {

/// A local Prometheus endpoint (collectors.scrape): an application's own /metrics.
struct ScrapeConfig {
  std::string name;  ///< the `target` label of its series
  std::string url;
  std::chrono::milliseconds interval{std::chrono::seconds(15)};
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  /// Patterns (POSIX extended, anchored) a metric name must match to be kept; empty: all.
  std::vector<std::string> metrics;
  size_t max_series = 2000;  ///< series kept per scrape; the rest are dropped and reported
  size_t max_bytes = 10 * 1024 * 1024;  ///< of the body, after gzip
  /// Also serve its series on the agent's /metrics (off: Prometheus scrapes the application).
  bool expose = false;
  friend bool operator==(const ScrapeConfig&, const ScrapeConfig&) = default;
};

}  // namespace novacron::collectors
