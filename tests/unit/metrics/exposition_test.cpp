#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace novacron::metrics {
namespace {

using metrics::MetricDef;
using metrics::MetricType;
using metrics::Sample;

constexpr MetricDef kRatio{"novacron_b_ratio", MetricType::kGauge, "mount", "B, 0-1."};
constexpr MetricDef kTotal{"novacron_a_total", MetricType::kCounter, "", "A count."};

TEST(ExpositionTest, FamiliesFromBatchesAndElsewhereSortedByName) {
  std::vector<Sample> one = {{&kRatio, {{"mount", "/"}}, 0.5}};
  std::vector<Sample> two = {{&kRatio, {{"mount", "/var"}}, 0.25}, {&kTotal, {}, 3}};
  std::string c;
  appendFamilyHeader(c, "novacron_c_total", "C.", "counter");
  appendSample(c, "novacron_c_total", {}, 2);
  std::string aa;
  appendFamilyHeader(aa, "novacron_aa", "Before b.", "gauge");
  appendSample(aa, "novacron_aa", {{"x", "1"}}, 1e-05, {"le", "+Inf"});
  const std::vector<Sample>* batches[] = {&one, &two};
  std::string text = renderMetrics(batches, {{"novacron_c_total", c}, {"novacron_aa", aa}});
  EXPECT_EQ(text,
            "# HELP novacron_a_total A count.\n"
            "# TYPE novacron_a_total counter\n"
            "novacron_a_total 3\n"
            "# HELP novacron_aa Before b.\n"
            "# TYPE novacron_aa gauge\n"
            "novacron_aa{x=\"1\",le=\"+Inf\"} 1e-05\n"
            "# HELP novacron_b_ratio B, 0-1.\n"
            "# TYPE novacron_b_ratio gauge\n"
            "novacron_b_ratio{mount=\"/\"} 0.5\n"
            "novacron_b_ratio{mount=\"/var\"} 0.25\n"
            "# HELP novacron_c_total C.\n"
            "# TYPE novacron_c_total counter\n"
            "novacron_c_total 2\n");
}

TEST(ExpositionTest, LabelValuesAreEscaped) {
  std::vector<Sample> one = {{&kRatio, {{"mount", "/srv/a \"b\"\\c\nd"}}, 1}};
  const std::vector<Sample>* batches[] = {&one};
  std::string text = renderMetrics(batches);
  EXPECT_NE(text.find(R"(novacron_b_ratio{mount="/srv/a \"b\"\\c\nd"} 1)"), std::string::npos)
      << text;
  std::string help;
  appendFamilyHeader(help, "x", "a \\ and a\nnewline, \"quoted\"", "gauge");
  // HELP escapes \\ and newlines only, as the format says; quotes stay.
  EXPECT_EQ(help, "# HELP x a \\\\ and a\\nnewline, \"quoted\"\n# TYPE x gauge\n");
  std::string edges;
  appendSample(edges, "y", {{"a", "\n"}, {"b", "\\\\"}, {"c", ""}}, 1);
  EXPECT_EQ(edges, "y{a=\"\\n\",b=\"\\\\\\\\\",c=\"\"} 1\n");
}

TEST(ExpositionTest, ValuesAreTheShortestTextThatReadsBackTheSame) {
  EXPECT_EQ(formatValue(1), "1");
  EXPECT_EQ(formatValue(0.25), "0.25");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(0.1), "0.1");
  EXPECT_EQ(formatValue(1e21), "1e+21");
  EXPECT_EQ(formatValue(1234567890123), "1234567890123");
  EXPECT_EQ(formatValue(std::nan("")), "NaN");
  EXPECT_EQ(formatValue(HUGE_VAL), "+Inf");
  EXPECT_EQ(formatValue(-HUGE_VAL), "-Inf");
  for (double v : {0.1234567890123456789, 5e-324, 1.7976931348623157e308})
    EXPECT_EQ(std::strtod(formatValue(v).c_str(), nullptr), v);
}

}  // namespace
}  // namespace novacron::metrics
