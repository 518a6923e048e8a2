#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "actions/action.h"
#include "agent/config/config.h"
#include "collectors/registry.h"
#include "policy/evaluator.h"
#include "policy/playbook_loader.h"

namespace novacron::agent {

using collectors::CollectorDeps;

/// Every metric the agent can serve, sorted by name: the sources' (from their registry), the
/// agent's own, its HTTP server's and delivery's. The source of the README's reference table.
std::vector<const metrics::MetricDef*> metricCatalog();

/// A metric of the catalog by full name, or nullptr. Thread-safe.
const metrics::MetricDef* findMetric(std::string_view name);

/// The built-in playbooks plus the configured playbooks_dir, checked against the catalog.
/// What the action types need from the configuration; the broker reads the same.
actions::ActionSettings actionSettings(const agent::Config& config);

policy::PolicyLoad loadAgentPolicy(const agent::Config& config, const agent::ConfigEnv& env);

/// The configuration (a file, or the embedded defaults) and its playbooks, read as the agent
/// and the broker both read them at start. `policy` is empty when the configuration has errors.
struct AgentLoad {
  agent::ConfigResult config;
  policy::PolicyLoad policy;
};
AgentLoad loadAgent(const std::optional<std::string>& file, const agent::ConfigEnv& env);

/// The evaluator's options from the configuration.
policy::EvaluatorOptions evaluatorOptions(const agent::Config& config);

/// The metrics whose history someone asks for: the conditions of every playbook loaded
/// (disabled ones too, which an operator may enable without a reload of the store), the host's
/// recovery criteria and the diagnostics report. The metric store keeps only their history.
std::unordered_set<std::string> metricsWithHistory(const policy::PolicySet& policy);

}  // namespace novacron::agent
