#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
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

}  // namespace novacron::collectors
