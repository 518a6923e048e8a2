#include "agent/catalog.h"

#include <gtest/gtest.h>

namespace novacron::agent {
namespace {

// What the store keeps history of, on the embedded defaults: what the built-in playbooks, the
// runbook's recovery criteria and the diagnostics report look at, and nothing else.
TEST(CatalogTest, TheMetricsWithHistoryAreThoseThePolicyAndTheDiagnosticsAskFor) {
  agent::ConfigEnv env;
  env.hostname = "db-01.example";
  env.cwd = "/work";
  agent::Config config = agent::defaultConfig(env);
  auto load = loadAgentPolicy(config, env);
  ASSERT_TRUE(load.policy) << (load.errors.empty() ? "" : load.errors.front().str());
  auto names = metricsWithHistory(*load.policy);
  for (const char* asked : {
           "novacron_disk_free_bytes",                    // disk_filling's predict_linear
           "novacron_cpu_usage_ratio",                    // high_cpu's avg over 5m
           "novacron_swap_out_bytes_per_second",          // swap_thrashing
           "novacron_memory_available_bytes",             // memory_leak
           "novacron_pg_longest_query_seconds",           // database_slow
           "novacron_load1",                              // the diagnostics' anomalies
           "novacron_network_receive_errors_per_second",  // the same
       }) {
    EXPECT_TRUE(names.contains(asked)) << asked;
  }
  for (const char* unasked :
       {"novacron_network_transmit_bytes_per_second", "novacron_disk_read_bytes_per_second",
        "novacron_agent_sweeps_total", "novacron_top_process_cpu_ratio"}) {
    EXPECT_FALSE(names.contains(unasked)) << unasked;
  }
  for (const auto& n : names) EXPECT_TRUE(findMetric(n) || !n.starts_with("novacron_")) << n;
}

// A scrape target that admits every name (the default): the built-in playbooks still look at the
// host's series, never at an application's of the same short name.
TEST(CatalogTest, AScrapeTargetThatAdmitsEveryNameLeavesTheHostsNamesToTheHost) {
  agent::ConfigEnv env;
  env.hostname = "db-01.example";
  env.cwd = "/work";
  agent::Config config = agent::defaultConfig(env);
  collectors::ScrapeConfig app;
  app.name = "app";
  app.url = "http://127.0.0.1:9/metrics";
  config.sources.scrape.push_back(app);
  auto load = loadAgentPolicy(config, env);
  ASSERT_TRUE(load.policy) << (load.errors.empty() ? "" : load.errors.front().str());
  const policy::Playbook* disk_full = load.policy->find("disk_full");
  ASSERT_NE(disk_full, nullptr);
  auto names = disk_full->metrics();
  EXPECT_TRUE(names.contains("novacron_disk_used_ratio"));
  EXPECT_FALSE(names.contains("disk_used_ratio"));
  for (const auto& p : load.policy->playbooks) {
    for (const auto& n : p.metrics())
      EXPECT_TRUE(n.starts_with("novacron_")) << p.name << " looks at the application's " << n;
  }
}

}  // namespace
}  // namespace novacron::agent
