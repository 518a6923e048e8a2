#include "agent/catalog.h"

#include <algorithm>

#include "actions/registry.h"
#include "agent/api/http_metrics.h"
#include "collectors/scrape/scrape_set.h"
#include "collectors/scrape/scraped_metrics.h"
#include "collectors/self_collector.h"
#include "reporting/alertmanager.h"
#include "reporting/reporter.h"

namespace novacron::agent {

std::vector<const collectors::MetricDef*> metricCatalog() {
  std::vector<const collectors::MetricDef*> out = collectors::sourceMetrics();
  auto add = [&](auto&& defs) {
    for (const auto* m : defs) out.push_back(m);
  };
  add(collectors::selfMetrics());
  add(httpMetricDefs());
  add(reporterMetrics());
  add(alertmanagerMetrics());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

const collectors::MetricDef* findMetric(std::string_view name) {
  static const std::vector<const collectors::MetricDef*> kCatalog = metricCatalog();
  auto it = std::lower_bound(
      kCatalog.begin(), kCatalog.end(), name,
      [](const collectors::MetricDef* d, std::string_view n) { return d->name < n; });
  return it != kCatalog.end() && (*it)->name == name ? *it : nullptr;
}

// A condition names the agent's metrics, or an application's that a scrape target keeps. An
// application's name wins over the agent's own short name (http_requests_total is the
// application's when a target admits it, novacron_http_requests_total the agent's); without a
// target, the binder tries the name with the prefix.
const collectors::MetricDef* conditionMetric(const policy::Config& config, std::string_view n) {
  if (auto* d = findMetric(n)) return d;
  return collectors::scrapeAdmits(config.sources.scrape, n) ? collectors::scrapedMetric(n)
                                                            : nullptr;
}

policy::PolicyLoad loadAgentPolicy(const policy::Config& config, const policy::ConfigEnv& env) {
  return policy::loadPolicy(
      policy::builtinPlaybooks(), config.playbooks_dir,
      {[&config](std::string_view n) { return conditionMetric(config, n); }, env.enforce_ownership,
       actions::actionCatalog(), env.enforce_ownership ? config.user : std::string()});
}

policy::EvaluatorOptions evaluatorOptions(const policy::Config& c) {
  return {c.policy_lookback, c.flap_window, c.flap_threshold, c.dry_run};
}

AgentLoad loadAgent(const std::optional<std::string>& file, const policy::ConfigEnv& env) {
  AgentLoad out;
  if (file)
    out.config = policy::loadConfig(*file, env);
  else
    out.config.config = policy::defaultConfig(env);
  if (out.config.config) out.policy = loadAgentPolicy(*out.config.config, env);
  return out;
}

}  // namespace novacron::agent
