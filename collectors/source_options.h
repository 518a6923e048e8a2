#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "collectors/plugin.h"
#include "collectors/postgres/postgres_config.h"
#include "collectors/probes/probe_config.h"
#include "collectors/redis/redis_config.h"
#include "collectors/scrape/scrape_config.h"

namespace novacron::collectors {

using std::chrono::milliseconds;

/// collectors.root and collectors.disk: what the host sweep's collectors read.
struct HostOptions {
  std::filesystem::path root = "/";  ///< where /proc and /sys are found
  std::set<std::string> disk_exclude_fstypes;
  milliseconds disk_statfs_timeout{2000};
  friend bool operator==(const HostOptions&, const HostOptions&) = default;
};

/// collectors.root and collectors.processes.top: the process table.
struct ProcessOptions {
  std::filesystem::path root = "/";
  size_t top = 5;
  friend bool operator==(const ProcessOptions&, const ProcessOptions&) = default;
};

/// The collectors section of the configuration, one option struct per source. On reload each
/// source compares its own with `==`: an unchanged one keeps its baselines and connections.
struct SourceOptions {
  HostOptions host;
  milliseconds host_interval{1000};  ///< collectors.host.interval
  ProcessOptions processes;
  milliseconds processes_interval{5000};  ///< collectors.processes.interval, slower
  std::vector<ProbeConfig> probes;
  std::vector<PostgresConfig> postgres;
  std::vector<RedisConfig> redis;
  std::vector<ScrapeConfig> scrape;
  /// The plugins configured (collectors.NAME for a plugin of collectors/plugins.cpp), by name.
  std::map<std::string, PluginSettings, std::less<>> plugins;
  friend bool operator==(const SourceOptions&, const SourceOptions&) = default;
};

/// The descriptor of a listed source `Set` (collectors/plugin.h), whose list is `Member` of the
/// options: made on the loop (with systemctl's path when it takes one), configured from its list,
/// changed when its list differs.
template <class Set, auto Member>
ListedSource listedSource(std::string_view name,
                          std::span<const metrics::MetricDef* const> (*metrics)()) {
  return {name,
          [](const PluginContext& c) -> std::unique_ptr<Source> {
            if constexpr (std::is_constructible_v<Set, boost::asio::io_context&, const Clock&,
                                                  std::string, PluginContext::Sink>)
              return std::make_unique<Set>(c.io, c.clock, c.systemctl, c.sink);
            else
              return std::make_unique<Set>(c.io, c.clock, c.sink);
          },
          [](Source& s, const SourceOptions& o) { static_cast<Set&>(s).configure(o.*Member); },
          [](const SourceOptions& a, const SourceOptions& b) { return a.*Member != b.*Member; },
          metrics};
}

}  // namespace novacron::collectors
