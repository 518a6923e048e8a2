#include "metrics/exposition.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace novacron::agent {
namespace {

using collectors::MetricDef;
using collectors::MetricType;
using collectors::Sample;

constexpr MetricDef kRatio{"novacron_b_ratio", MetricType::kGauge, "mount", "B, 0-1."};
constexpr MetricDef kTotal{"novacron_a_total", MetricType::kCounter, "", "A count."};

TEST(ExpositionTest, FamiliesFromBatchesAndRegistrySortedByName) {
  std::vector<Sample> one = {{&kRatio, {{"mount", "/"}}, 0.5}};
  std::vector<Sample> two = {{&kRatio, {{"mount", "/var"}}, 0.25}, {&kTotal, {}, 3}};
  prometheus::Registry registry;
  prometheus::BuildCounter()
      .Name("novacron_c_total")
      .Help("C.")
      .Register(registry)
      .Add({})
      .Increment(2);
  const std::vector<Sample>* batches[] = {&one, &two};
  std::string text = renderMetrics(batches, registry);
  EXPECT_EQ(text,
            "# HELP novacron_a_total A count.\n"
            "# TYPE novacron_a_total counter\n"
            "novacron_a_total 3\n"
            "# HELP novacron_b_ratio B, 0-1.\n"
            "# TYPE novacron_b_ratio gauge\n"
            "novacron_b_ratio{mount=\"/\"} 0.5\n"
            "novacron_b_ratio{mount=\"/var\"} 0.25\n"
            "# HELP novacron_c_total C.\n"
            "# TYPE novacron_c_total counter\n"
            "novacron_c_total 2\n");
}

TEST(ExpositionTest, LabelValuesAreEscaped) {
  std::vector<Sample> one = {{&kRatio, {{"mount", "/srv/a \"b\"\\c"}}, 1}};
  prometheus::Registry registry;
  const std::vector<Sample>* batches[] = {&one};
  std::string text = renderMetrics(batches, registry);
  EXPECT_NE(text.find(R"(novacron_b_ratio{mount="/srv/a \"b\"\\c"} 1)"), std::string::npos) << text;
}

}  // namespace
}  // namespace novacron::agent
