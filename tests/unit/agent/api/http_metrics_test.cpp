#include "agent/api/http_metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace novacron::agent {
namespace {

std::string family(const std::vector<metrics::RenderedFamily>& all, const std::string& name) {
  for (const auto& f : all) {
    if (f.name == name) return f.text;
  }
  return "";
}

TEST(EventMetricsTest, AHistogramIsCumulativeWithEveryBoundAndInf) {
  EventMetrics m("1.2.3");
  m.incidentTime("detection", "disk_full", 2, 0.5);
  m.incidentTime("detection", "disk_full", 2, 20);
  m.incidentTime("detection", "disk_full", 2, 100000);
  m.incidentTime("detection", "a\"b", 3, 1);
  std::string text = family(m.render(), "novacron_incident_detection_seconds");
  const std::string disk =
      "novacron_incident_detection_seconds_bucket{playbook=\"disk_full\","
      "severity=\"2\",le=";
  EXPECT_NE(text.find(disk + "\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(disk + "\"15\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(disk + "\"30\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(disk + "\"86400\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find(disk + "\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("novacron_incident_detection_seconds_sum{playbook=\"disk_full\","
                      "severity=\"2\"} 100020.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("novacron_incident_detection_seconds_count{playbook=\"disk_full\","
                      "severity=\"2\"} 3\n"),
            std::string::npos)
      << text;
  // A playbook's name is a label value like any other: escaped.
  EXPECT_NE(text.find("{playbook=\"a\\\"b\",severity=\"3\",le=\"1\"} 1\n"), std::string::npos)
      << text;
  // 13 bounds and +Inf for each of the two.
  size_t buckets = 0;
  for (size_t at = text.find("_bucket{"); at != std::string::npos;
       at = text.find("_bucket{", at + 1))
    ++buckets;
  EXPECT_EQ(buckets, 2u * 14u);
}

}  // namespace
}  // namespace novacron::agent
