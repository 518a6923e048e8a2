#include "agent/catalog.h"

#include <algorithm>

#include "actions/diagnostics_report.h"
#include "actions/registry.h"
#include "agent/api/http_metrics.h"
#include "collectors/scrape/scrape_set.h"
#include "collectors/scrape/scraped_metrics.h"
#include "collectors/self_collector.h"
#include "policy/validation.h"
#include "reporting/alertmanager.h"
#include "reporting/reporter.h"

namespace novacron::agent {

std::vector<const metrics::MetricDef*> metricCatalog() {
  std::vector<const metrics::MetricDef*> out = collectors::sourceMetrics();
  auto add = [&](auto&& defs) {
    for (const auto* m : defs) out.push_back(m);
  };
  add(collectors::selfMetrics());
  add(httpMetricDefs());
  add(reporting::reporterMetrics());
  add(reporting::alertmanagerMetrics());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

const metrics::MetricDef* findMetric(std::string_view name) {
  static const std::vector<const metrics::MetricDef*> kCatalog = metricCatalog();
  auto it =
      std::lower_bound(kCatalog.begin(), kCatalog.end(), name,
                       [](const metrics::MetricDef* d, std::string_view n) { return d->name < n; });
  return it != kCatalog.end() && (*it)->name == name ? *it : nullptr;
}

// A condition names the agent's metrics, or an application's that a scrape target keeps. The
// host's short names are the host's whatever a target serves (disk_used_ratio is always
// novacron_disk_used_ratio: scraped series never take it). An application's name wins over the
// agent's own short name otherwise (http_requests_total is the application's when a target
// admits it, novacron_http_requests_total the agent's); without a target, the binder tries the
// name with the prefix.
const metrics::MetricDef* conditionMetric(const agent::Config& config, std::string_view n) {
  if (auto* d = findMetric(n)) return d;
  if (collectors::isHostMetricName(n)) return findMetric("novacron_" + std::string(n));
  return collectors::scrapeAdmits(config.sources.scrape, n) ? collectors::scrapedMetric(n)
                                                            : nullptr;
}

namespace {

// The host's recovery criteria: the configured ones, each of which must bind (an error fails the
// load, positioned in the configuration), or the runbook's, each kept if it binds and, for the
// application's criteria, names an application's metrics.
std::vector<policy::Criterion> hostCriteria(const agent::Config& config,
                                            const policy::MetricLookup& lookup,
                                            Diagnostics& errors) {
  std::vector<policy::Criterion> out;
  auto compile = [&](const std::string& text) -> std::optional<policy::Condition> {
    auto parsed = policy::Condition::parse(text);
    auto* c = std::get_if<policy::Condition>(&parsed);
    if (!c || !c->bind(lookup).empty()) return std::nullopt;
    return *c;
  };
  if (config.validation) {
    for (const auto& item : *config.validation) {
      auto parsed = policy::Condition::parse(item.condition);
      auto* c = std::get_if<policy::Condition>(&parsed);
      if (!c) continue;  // syntax errors were reported with the configuration
      auto problems = c->bind(lookup);
      for (const auto& e : problems) {
        errors.push_back({item.file, item.line, item.column + e.column - 1,
                          "validation '" + item.name + "': " + e.message});
      }
      if (problems.empty()) out.push_back({item.name, *c, item.mandatory});
    }
    return out;
  }
  for (const auto& d : policy::runbookHostCriteria()) {
    auto c = compile(d.condition);
    if (!c) continue;
    auto names = c->metrics();
    if (d.application && std::any_of(names.begin(), names.end(), [](const std::string& m) {
          return m.starts_with("novacron_");
        }))
      continue;
    out.push_back({d.name, *c, d.mandatory, false, true});
  }
  return out;
}

}  // namespace

policy::PolicyLoad loadAgentPolicy(const agent::Config& config, const agent::ConfigEnv& env) {
  policy::MetricLookup lookup = [&config](std::string_view n) {
    return conditionMetric(config, n);
  };
  auto load = policy::loadPolicy(policy::builtinPlaybooks(), config.playbooks_dir,
                                 {lookup, env.enforce_ownership, actions::actionCatalog(),
                                  env.enforce_ownership ? config.user : std::string()});
  auto criteria = hostCriteria(config, lookup, load.errors);
  if (load.policy && load.errors.empty()) {
    auto set = std::make_shared<policy::PolicySet>(*load.policy);
    set->host_criteria = std::move(criteria);
    load.policy = std::move(set);
  } else {
    load.policy.reset();
  }
  return load;
}

policy::EvaluatorOptions evaluatorOptions(const agent::Config& c) {
  return {c.policy_lookback, c.flap_window, c.flap_threshold, c.dry_run};
}

AgentLoad loadAgent(const std::optional<std::string>& file, const agent::ConfigEnv& env) {
  AgentLoad out;
  if (file)
    out.config = agent::loadConfig(*file, env);
  else
    out.config.config = agent::defaultConfig(env);
  if (out.config.config) out.policy = loadAgentPolicy(*out.config.config, env);
  return out;
}

std::unordered_set<std::string> metricsWithHistory(const policy::PolicySet& policy) {
  std::unordered_set<std::string> out;
  auto add = [&](const policy::Condition& c) {
    for (auto& m : c.metrics()) out.insert(std::move(m));
  };
  for (const auto& p : policy.playbooks) {
    for (const auto& m : p.metrics()) out.insert(m);
    for (const auto& c : p.verify.recommended) add(c);
  }
  for (const auto& c : policy.host_criteria) add(c.condition);
  for (std::string_view m : actions::diagnosticsHistoryMetrics()) out.emplace(m);
  return out;
}

}  // namespace novacron::agent
