#include "agent/registry.h"
#include "actions/registry.h"

#include <unistd.h>

#include <algorithm>

#include "agent/api/http_metrics.h"
#include "collectors/collector_group.h"
#include "collectors/host/cpu.h"
#include "collectors/host/disk_io.h"
#include "collectors/host/disk_space.h"
#include "collectors/host/load.h"
#include "collectors/host/memory.h"
#include "collectors/host/network.h"
#include "collectors/host/pressure.h"
#include "collectors/host/processes.h"
#include "collectors/postgres/postgres_metrics.h"
#include "collectors/probes/probe_metrics.h"
#include "collectors/self_collector.h"
#include "metrics/metric_store.h"
#include "reporting/alertmanager.h"
#include "reporting/reporter.h"

namespace novacron::agent {

using collectors::CollectorPtr;

CollectorDeps CollectorDeps::current() {
  CollectorDeps d;
  d.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  d.ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return d;
}

std::vector<CollectorPtr> makeHostCollectors(const policy::Config& c, const CollectorDeps& deps) {
  collectors::DiskSpaceOptions disk;
  disk.exclude_fstypes = c.disk_exclude_fstypes;
  disk.statfs_timeout = c.disk_statfs_timeout;
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<collectors::CpuCollector>(c.collectors_root));
  out.push_back(std::make_unique<collectors::MemoryCollector>(c.collectors_root, deps.page_size));
  out.push_back(std::make_unique<collectors::LoadCollector>(c.collectors_root));
  std::error_code ec;
  if (std::filesystem::is_directory(c.collectors_root / "proc/pressure", ec))
    out.push_back(std::make_unique<collectors::PressureCollector>(c.collectors_root));
  out.push_back(
      std::make_unique<collectors::DiskSpaceCollector>(c.collectors_root, disk, deps.statfs));
  out.push_back(std::make_unique<collectors::DiskIoCollector>(c.collectors_root));
  out.push_back(std::make_unique<collectors::NetworkCollector>(c.collectors_root));
  return out;
}

std::vector<CollectorPtr> makeProcessCollectors(const policy::Config& c,
                                                const CollectorDeps& deps) {
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<collectors::ProcessesCollector>(
      c.collectors_root, c.processes_top, deps.page_size, deps.ticks_per_second));
  return out;
}

policy::PolicyLoad loadAgentPolicy(const policy::Config& config, const policy::ConfigEnv& env) {
  return policy::loadPolicy(policy::builtinPlaybooks(), config.playbooks_dir,
                            {[](std::string_view n) { return findMetric(n); },
                             env.enforce_ownership, actions::actionCatalog()});
}

policy::EvaluatorOptions evaluatorOptions(const policy::Config& c) {
  return {c.policy_lookback, c.flap_window, c.flap_threshold, c.dry_run};
}

const collectors::MetricDef* findMetric(std::string_view name) {
  static const std::vector<const collectors::MetricDef*> kCatalog = metricCatalog();
  auto it = std::lower_bound(
      kCatalog.begin(), kCatalog.end(), name,
      [](const collectors::MetricDef* d, std::string_view n) { return d->name < n; });
  return it != kCatalog.end() && (*it)->name == name ? *it : nullptr;
}

std::vector<const collectors::MetricDef*> metricCatalog() {
  policy::Config c = policy::defaultConfig({});
  CollectorDeps deps;
  std::vector<const collectors::MetricDef*> out;
  auto add = [&](const collectors::Collector& col) {
    for (const auto* m : col.metrics()) out.push_back(m);
  };
  for (const auto& col : makeHostCollectors(c, deps)) add(*col);
  for (const auto& col : makeProcessCollectors(c, deps)) add(*col);
  collectors::MetricStore store;
  ReloadStatus reload;
  PolicyStats policy;
  add(SelfCollector({}, store, reload, policy, TimePoint{}));
  for (const auto* m : collectors::pressureMetrics()) out.push_back(m);
  for (const auto* m : httpMetricDefs()) out.push_back(m);
  for (const auto* m : collectors::postgresMetrics()) out.push_back(m);
  for (const auto* m : collectors::probeMetrics()) out.push_back(m);
  for (const auto* m : reporterMetrics()) out.push_back(m);
  for (const auto* m : alertmanagerMetrics()) out.push_back(m);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  out.erase(std::unique(out.begin(), out.end()), out.end());  // pressure's, when the host has PSI
  return out;
}

}  // namespace novacron::agent
