#include "policy/evaluator.h"

#include <gtest/gtest.h>

#include "agent/catalog.h"
#include "policy/playbook_loader.h"
#include "tests/support/fixture.h"
#include "tests/support/policy.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;
using metrics::Labels;
using metrics::Sample;
using testing::at;
using testing::policyFrom;

const metrics::MetricDef& def(std::string_view name) { return *agent::findMetric(name); }

Labels mount(const char* m) { return {{"device", "/dev/x"}, {"fstype", "ext4"}, {"mount", m}}; }

// Feeds one value per second for cpu and evaluates after each; returns every decision.
struct Driver {
  metrics::MetricStore store;
  Evaluator eval;
  int second = 0;
  explicit Driver(PolicyPtr p, EvaluatorOptions o = {}) : eval(std::move(p), o) {}

  std::vector<Decision> step(std::vector<Sample> samples) {
    TimePoint t = at(std::chrono::seconds(second++));
    store.append(t, samples);
    return eval.evaluate(store, t);
  }
  std::vector<Decision> cpu(double v) { return step({{&def("novacron_cpu_usage_ratio"), {}, v}}); }
};

std::vector<std::string> kinds(const std::vector<Decision>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    out.push_back(std::string(decisionName(d.kind)) + (d.flapping ? ":flapping" : ""));
  return out;
}

const char* kCpu = R"(
name: cpu
severity: 3
category: infrastructure
when: cpu_usage_ratio > 90%
for: 3s
escalate_when: cpu_usage_ratio > 99%
actions:
  - {id: report, type: diagnostics_report, automated: true}
  - {id: restart, type: systemd_restart, with: {unit: x.service}}
)";

TEST(EvaluatorTest, ForHysteresisOpensOnceAndResolvesAfterTheSameDuration) {
  Driver d(policyFrom(kCpu));
  EXPECT_TRUE(d.cpu(0.95).empty());  // t=0 pending
  EXPECT_TRUE(d.cpu(0.95).empty());  // t=1
  EXPECT_TRUE(d.cpu(0.50).empty()) << "a dip resets the pending time";
  EXPECT_TRUE(d.cpu(0.95).empty());  // t=3 pending again
  EXPECT_TRUE(d.cpu(0.95).empty());
  EXPECT_TRUE(d.cpu(0.95).empty());
  auto opened = d.cpu(0.95);  // t=6: true since t=3 for 3 s
  EXPECT_EQ(kinds(opened), std::vector<std::string>{"open"});
  EXPECT_EQ(opened[0].severity, 3);
  EXPECT_EQ(opened[0].reason, "cpu_usage_ratio > 90% held for 3s");
  EXPECT_EQ(opened[0].at, at(6s));
  EXPECT_EQ(opened[0].since, at(3s)) << "detection time: held since t=3 s";
  EXPECT_TRUE(d.cpu(0.95).empty()) << "decisions come on transitions only";
  EXPECT_TRUE(d.cpu(0.20).empty());
  EXPECT_TRUE(d.cpu(0.20).empty());
  EXPECT_TRUE(d.cpu(0.20).empty());
  auto resolved = d.cpu(0.20);
  EXPECT_EQ(kinds(resolved), std::vector<std::string>{"resolve"});
  EXPECT_EQ(resolved[0].reason, "not (cpu_usage_ratio > 90%) held for 3s");
  EXPECT_TRUE(d.eval.open().empty());
}

TEST(EvaluatorTest, UnknownDataNeitherOpensNorResolves) {
  Driver d(policyFrom(kCpu), EvaluatorOptions{2s});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.cpu(0.95).empty());
  EXPECT_EQ(kinds(d.cpu(0.95)), std::vector<std::string>{"open"});
  // The collector dies: no samples for a long time. The incident stays open.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(d.step({}).empty()) << i;
  ASSERT_EQ(d.eval.open().size(), 1u);
  // Data is back and low: it resolves only after the full duration of real data.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.cpu(0.1).empty());
  EXPECT_EQ(kinds(d.cpu(0.1)), std::vector<std::string>{"resolve"});

  // Pending does not survive a gap either.
  Driver g(policyFrom(kCpu), EvaluatorOptions{2s});
  g.cpu(0.95);
  g.cpu(0.95);
  for (int i = 0; i < 5; ++i) g.step({});
  EXPECT_TRUE(g.cpu(0.95).empty()) << "true again after a gap starts a new pending period";
}

TEST(EvaluatorTest, OneIncidentPerLabelSet) {
  Driver d(policyFrom(R"(
name: full
severity: 2
category: infrastructure
when: disk_used_ratio > 95%
for: 0s
actions: [{id: ask, type: escalate}]
)"));
  const auto& used = def("novacron_disk_used_ratio");
  auto first = d.step({{&used, mount("/"), 0.97}, {&used, mount("/var"), 0.5}});
  ASSERT_EQ(kinds(first), std::vector<std::string>{"open"});
  EXPECT_EQ(first[0].labels, mount("/"));
  auto second = d.step({{&used, mount("/"), 0.97}, {&used, mount("/var"), 0.99}});
  ASSERT_EQ(kinds(second), std::vector<std::string>{"open"});
  EXPECT_EQ(second[0].labels, mount("/var"));
  EXPECT_EQ(d.eval.open().size(), 2u);
  auto third = d.step({{&used, mount("/"), 0.5}, {&used, mount("/var"), 0.99}});
  ASSERT_EQ(kinds(third), std::vector<std::string>{"resolve"});
  EXPECT_EQ(third[0].labels, mount("/"));
}

TEST(EvaluatorTest, FlappingStopsActionsUntilItSettles) {
  EvaluatorOptions o;
  o.flap_window = 10s;
  o.flap_threshold = 3;
  Driver d(policyFrom(R"(
name: flappy
severity: 3
category: infrastructure
when: cpu_usage_ratio > 90%
actions: [{id: report, type: diagnostics_report, automated: true}]
)"),
           o);
  EXPECT_EQ(kinds(d.cpu(0.95)), std::vector<std::string>{"open"});
  EXPECT_EQ(kinds(d.cpu(0.10)), std::vector<std::string>{"resolve"});
  EXPECT_EQ(kinds(d.cpu(0.95)), std::vector<std::string>{"open"});
  EXPECT_EQ(kinds(d.cpu(0.10)), (std::vector<std::string>{"resolve", "flapping"}));
  EXPECT_EQ(kinds(d.cpu(0.95)), std::vector<std::string>{"open:flapping"})
      << "no new actions while flapping";
  EXPECT_TRUE(d.eval.open().front().flapping);
  std::vector<std::string> later;
  for (int i = 0; i < 12; ++i) {
    for (auto& k : kinds(d.cpu(0.95))) later.push_back(k);
  }
  EXPECT_EQ(later, std::vector<std::string>{"settled"});
}

TEST(EvaluatorTest, EscalateWhenRaisesTheSeverityOnce) {
  Driver d(policyFrom(kCpu));
  for (int i = 0; i < 3; ++i) d.cpu(0.95);
  EXPECT_EQ(kinds(d.cpu(0.95)).front(), "open");
  auto e = d.cpu(0.995);
  ASSERT_EQ(kinds(e), std::vector<std::string>{"escalate"});
  EXPECT_EQ(e[0].severity, 2);
  EXPECT_EQ(e[0].reason, "severity raised to SEV-2: cpu_usage_ratio > 99%");
  EXPECT_TRUE(d.cpu(0.999).empty());
  EXPECT_EQ(d.eval.open().front().severity, 2);
}

TEST(EvaluatorTest, ResolveWhenReplacesTheDefault) {
  Driver d(policyFrom(R"(
name: cpu
severity: 3
category: infrastructure
when: cpu_usage_ratio > 90%
resolve_when: cpu_usage_ratio < 50%
)"));
  EXPECT_EQ(kinds(d.cpu(0.95)), std::vector<std::string>{"open"});
  EXPECT_TRUE(d.cpu(0.70).empty()) << "below the open threshold but not resolved";
  EXPECT_EQ(kinds(d.cpu(0.40)), std::vector<std::string>{"resolve"});
}

TEST(EvaluatorTest, TriggerByHandAndDryRun) {
  EvaluatorOptions o;
  o.dry_run = true;
  Driver d(policyFrom(R"(
- name: breach
  severity: 1
  category: security
  actions:
    - {id: evidence, type: evidence_bundle, automated: true}
- {name: off, severity: 4, category: data, enabled: false, when: "load1 > 1"}
)"),
           o);
  auto r = d.eval.trigger("breach", {{"user", "mallory"}}, "alice saw a root shell", at());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(kinds(*r), std::vector<std::string>{"open"});
  EXPECT_EQ((*r)[0].reason, "triggered by hand: alice saw a root shell");
  EXPECT_TRUE((*r)[0].dry_run);
  EXPECT_EQ((*r)[0].labels, (Labels{{"user", "mallory"}}));
  auto again = d.eval.trigger("breach", {{"user", "mallory"}}, "", at());
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("already open"), std::string::npos);
  EXPECT_EQ(d.eval.trigger("nope", {}, "", at()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(d.eval.trigger("off", {}, "", at()).error().code, ErrorCode::kInvalidArgument);
  // Manual incidents stay open through evaluation until closed.
  d.cpu(0.1);
  EXPECT_EQ(d.eval.open().size(), 1u);
  EXPECT_TRUE(d.eval.close("breach", {{"user", "mallory"}}));
  EXPECT_TRUE(d.eval.open().empty());
}

TEST(EvaluatorTest, ReloadKeepsStateOfPlaybooksThatRemain) {
  Driver d(policyFrom(kCpu));
  for (int i = 0; i < 4; ++i) d.cpu(0.95);
  ASSERT_EQ(d.eval.open().size(), 1u);
  d.eval.setPolicy(policyFrom(kCpu));
  EXPECT_TRUE(d.cpu(0.95).empty()) << "still open: no second open after a reload";
  EXPECT_EQ(d.eval.open().size(), 1u);
  d.eval.setPolicy(
      policyFrom("{name: other, severity: 4, category: network, when: \"load1 > 100\"}"));
  EXPECT_TRUE(d.eval.open().empty());
}

}  // namespace
}  // namespace novacron::policy
