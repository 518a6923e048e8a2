#include "actions/diagnostics_report.h"

#include <gtest/gtest.h>

#include "agent/catalog.h"
#include "tests/support/fixture.h"

namespace novacron::actions {
namespace {

using namespace std::chrono_literals;
using metrics::Sample;
using testing::at;

const metrics::MetricDef* def(std::string_view n) { return agent::findMetric(n); }

// 15 minutes at 1 s: CPU steady near 20% then at 95% for the last minute; "/" 96% full and
// filling; memory flat.
metrics::MetricStore busyHost() {
  metrics::MetricStore store;
  for (int i = 0; i < 900; ++i) {
    double cpu = i < 840 ? 0.2 + 0.01 * (i % 3) : 0.95;
    std::vector<Sample> s = {
        {def("novacron_cpu_usage_ratio"), {}, cpu},
        {def("novacron_memory_used_ratio"), {}, 0.5},
        {def("novacron_disk_used_ratio"),
         {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mount", "/"}},
         0.95 + i * 1e-5},
    };
    store.append(at(std::chrono::seconds(i)), s);
  }
  return store;
}

TEST(DiagnosticsReportTest, StateAnomaliesTrendsAndRecommendations) {
  auto store = busyHost();
  auto r = diagnosticsReport(store, at(899s), "db-01-1");
  EXPECT_EQ(r["incident_id"], "db-01-1");
  EXPECT_DOUBLE_EQ(r["system"]["cpu_usage_ratio"].get<double>(), 0.95f);
  EXPECT_DOUBLE_EQ(r["system"]["memory_used_ratio"].get<double>(), 0.5);
  ASSERT_EQ(r["system"]["filesystems"].size(), 1u);
  EXPECT_EQ(r["system"]["filesystems"][0]["labels"]["mount"], "/");
  EXPECT_TRUE(r["system"]["load1"].is_null()) << "never sampled: null, not 0";

  const auto& anomalies = r["analysis"]["anomalies"];
  ASSERT_EQ(anomalies.size(), 1u) << anomalies.dump();
  EXPECT_EQ(anomalies[0]["metric"], "novacron_cpu_usage_ratio");
  EXPECT_GT(anomalies[0]["change_ratio"].get<double>(), 3.0);

  bool disk_trend = false;
  for (const auto& t : r["analysis"]["trends"]) {
    if (t["metric"] == "novacron_disk_used_ratio") {
      disk_trend = true;
      EXPECT_NEAR(t["per_minute"].get<double>(), 60e-5, 1e-5);
    }
  }
  EXPECT_TRUE(disk_trend);

  std::vector<std::string> types;
  for (const auto& rec : r["recommendations"]) types.push_back(rec["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"scale", "disk", "investigate"}));
  EXPECT_EQ(r["recommendations"][1]["priority"], "critical");
  EXPECT_EQ(r["recommendations"][0]["because"], "CPU busy 95.0%");
}

TEST(DiagnosticsReportTest, AnEmptyStoreGivesAnHonestlyEmptyReport) {
  metrics::MetricStore store;
  auto r = diagnosticsReport(store, at(), "x");
  EXPECT_TRUE(r["system"]["cpu_usage_ratio"].is_null());
  EXPECT_TRUE(r["analysis"]["anomalies"].empty());
  EXPECT_TRUE(r["recommendations"].empty());
}

}  // namespace
}  // namespace novacron::actions
