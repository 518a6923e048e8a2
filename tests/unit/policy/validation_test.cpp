#include "policy/validation.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/catalog.h"
#include "tests/support/fixture.h"
#include "tests/support/policy.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;
using metrics::Labels;
using metrics::Sample;

Condition compile(const std::string& text) {
  auto parsed = Condition::parse(text);
  auto c = std::get<Condition>(std::move(parsed));
  EXPECT_TRUE(c.bind([](std::string_view n) { return agent::findMetric(n); }).empty()) << text;
  return c;
}

struct Host {
  metrics::MetricStore store;
  TimePoint now = testing::at(10s);
  void set(const char* metric, Labels labels, double v) {
    std::vector<Sample> s = {{agent::findMetric(metric), std::move(labels), v}};
    store.append(now, s);
  }
  EvalContext ctx() const { return {store, now}; }
};

TEST(ValidationTest, EachCriterionWithItsValueInTheThresholdsUnit) {
  Host h;
  h.set("novacron_cpu_usage_ratio", {}, 0.935);
  h.set("novacron_memory_used_ratio", {}, 0.42);
  std::vector<Criterion> criteria = {
      {"cpu", compile("cpu_usage_ratio < 70%"), false},
      {"memory", compile("memory_used_ratio < 80%"), true},
      {"latency", compile("pg_longest_query_seconds < 500ms"), true}};
  Validation v = validate(criteria, {}, h.ctx());
  ASSERT_EQ(v.criteria.size(), 3u);
  EXPECT_EQ(v.criteria[0].state, Tri::kFalse);
  EXPECT_EQ(v.criteria[0].value, "93.5%");
  EXPECT_EQ(v.criteria[0].threshold, "< 70%");
  EXPECT_EQ(v.criteria[1].state, Tri::kTrue);
  EXPECT_EQ(v.criteria[1].value, "42%");
  EXPECT_EQ(v.criteria[2].state, Tri::kUnknown) << "no PostgreSQL: no data";
  EXPECT_EQ(v.criteria[2].value, "");
  // The failing criterion is only recommended; the unknown one is mandatory.
  EXPECT_EQ(v.verdict(), Tri::kUnknown);
  EXPECT_EQ(v.exitCode(), 2);
  EXPECT_EQ(mandatoryHold(criteria, {}, h.ctx()), v.verdict()) << "verification asks the same";
  h.set("novacron_pg_longest_query_seconds", {{"instance", "main"}}, 0.2);
  v = validate(criteria, {}, h.ctx());
  EXPECT_EQ(v.exitCode(), 2) << "a per-instance series does not answer for the host";
  criteria[2] = {"latency", compile("max(pg_longest_query_seconds) < 500ms"), true};
  v = validate(criteria, {}, h.ctx());
  EXPECT_EQ(v.criteria[2].value, "200ms");
  EXPECT_EQ(v.exitCode(), 0);
  criteria[1].condition = compile("memory_used_ratio < 40%");
  v = validate(criteria, {}, h.ctx());
  EXPECT_EQ(v.exitCode(), 1);
  auto j = validationJson(v);
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_EQ(j["criteria"][1]["state"], "fail");
}

TEST(ValidationTest, APerLabelCriterionShowsTheIncidentsOwnOrTheWorst) {
  Host h;
  h.set("novacron_disk_used_ratio", {{"mount", "/"}}, 0.5);
  h.set("novacron_disk_used_ratio", {{"mount", "/var"}}, 0.97);
  std::vector<Criterion> criteria = {{"disk", compile("disk_used_ratio < 90%"), true}};
  auto mine = validate(criteria, {{"mount", "/"}}, h.ctx());
  EXPECT_EQ(mine.criteria[0].state, Tri::kTrue);
  EXPECT_EQ(mine.criteria[0].value, "50%");
  auto host = validate(criteria, {}, h.ctx());
  EXPECT_EQ(host.criteria[0].value, "97%") << "the one nearest to failing";
}

TEST(ValidationTest, APlaybooksCriteriaAreWhatItsVerificationChecks) {
  auto set = testing::policyFrom(R"(
name: disk
severity: 2
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 5s, mandatory: ["disk_used_ratio < 90%"], recommended: ["memory_used_ratio < 80%"]}
)");
  auto other = testing::policyFrom(R"(
name: watched
severity: 3
category: infrastructure
when: cpu_usage_ratio > 90%
)");
  auto disk = verificationCriteria(*set->find("disk"));
  ASSERT_EQ(disk.size(), 2u);
  EXPECT_TRUE(disk[0].mandatory);
  EXPECT_FALSE(disk[1].mandatory);
  auto watched = verificationCriteria(*other->find("watched"));
  ASSERT_EQ(watched.size(), 1u);
  EXPECT_TRUE(watched[0].negated);
  Host h;
  h.set("novacron_cpu_usage_ratio", {}, 0.95);
  auto v = validate(watched, {}, h.ctx());
  EXPECT_EQ(v.criteria[0].state, Tri::kFalse) << "still above: not recovered";
  EXPECT_EQ(v.criteria[0].condition, "not (cpu_usage_ratio > 90%)");
}

TEST(ValidationTest, TheRunbooksDefaultsNeedASource) {
  Host h;
  std::vector<Criterion> criteria;
  for (const auto& d : runbookHostCriteria()) {
    if (d.application) continue;  // they need a scrape target to bind
    criteria.push_back({d.name, compile(d.condition), d.mandatory, false, true});
  }
  ASSERT_EQ(criteria.size(), 4u);
  EXPECT_TRUE(validate(criteria, {}, h.ctx()).criteria.empty()) << "no source, no line";
  h.set("novacron_cpu_usage_ratio", {}, 0.1);
  auto v = validate(criteria, {}, h.ctx());
  ASSERT_EQ(v.criteria.size(), 1u);
  EXPECT_EQ(v.criteria[0].name, "cpu");
}

}  // namespace
}  // namespace novacron::policy
