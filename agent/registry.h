#pragma once

#include <cstdint>
#include <vector>

#include "agent/config/config.h"
#include "collectors/collector.h"
#include "collectors/host/statfs_worker.h"
#include "policy/evaluator.h"
#include "policy/playbook_loader.h"

namespace novacron::agent {

/// What collectors need from the host beyond the configuration; tests pass their own.
struct CollectorDeps {
  collectors::StatfsFn statfs = collectors::realStatfs();
  uint64_t page_size = 4096;
  double ticks_per_second = 100;
  static CollectorDeps current();
};

/// The host sweep, in the order it runs: cpu, memory, load, pressure (where the host has PSI),
/// disk_space, disk_io, network.
std::vector<collectors::CollectorPtr> makeHostCollectors(const policy::Config& config,
                                                         const CollectorDeps& deps);
/// The process table, on its own (slower) interval.
std::vector<collectors::CollectorPtr> makeProcessCollectors(const policy::Config& config,
                                                            const CollectorDeps& deps);

/// Every metric the agent can serve, sorted by name: the source of the README's reference table.
std::vector<const collectors::MetricDef*> metricCatalog();

/// The built-in playbooks plus the configured playbooks_dir, checked against the catalog.
policy::PolicyLoad loadAgentPolicy(const policy::Config& config, const policy::ConfigEnv& env);

/// The evaluator's options from the configuration.
policy::EvaluatorOptions evaluatorOptions(const policy::Config& config);

/// A metric of the catalog by full name, or nullptr. Thread-safe.
const collectors::MetricDef* findMetric(std::string_view name);

}  // namespace novacron::agent
