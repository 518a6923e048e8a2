#include "reporting/alertmanager.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/fixture.h"

namespace novacron::reporting {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::at;

TEST(AlertmanagerTest, OneAlertPerIncidentWithTheLabelsRoutesNeed) {
  incidents::IncidentRecord open;
  open.id = "web-1-20261126T101500Z-1";
  open.playbook = "disk_full";
  open.labels = R"({"mountpoint":"/var","instance":"spoofed"})";
  open.severity = 2;
  open.category = "infrastructure";
  open.state = incidents::IncidentState::kMitigating;
  open.opened_at = at(0s);
  incidents::IncidentRecord done = open;
  done.id = "web-1-20261126T101500Z-2";
  done.playbook = "memory_pressure";
  done.labels = "{}";
  done.severity = 1;
  done.state = incidents::IncidentState::kResolved;
  done.resolved_at = at(300s);
  AlertmanagerOptions o{"http://am", 1min, 5s, "web-1", {{"region", "eu"}, {"severity", "x"}}};
  json alerts = json::parse(
      renderAlerts({open, done}, {{"disk_full", "A filesystem is nearly full"}}, o, at(60s)));
  ASSERT_EQ(alerts.size(), 2u);
  json a = alerts[0];
  EXPECT_EQ(a["labels"], (json{{"alertname", "disk_full"},
                               {"severity", "high"},
                               {"category", "infrastructure"},
                               {"instance", "web-1"},
                               {"mountpoint", "/var"},
                               {"region", "eu"}}));
  EXPECT_EQ(a["annotations"]["description"], "A filesystem is nearly full");
  EXPECT_EQ(a["annotations"]["incident_id"], open.id);
  EXPECT_EQ(a["annotations"]["summary"], "SEV-2 disk_full on web-1");
  EXPECT_EQ(a["startsAt"], formatTimestamp(at(0s)));
  // Open: it ends by itself four resend intervals on unless sent again.
  EXPECT_EQ(a["endsAt"], formatTimestamp(at(60s) + 4min));
  json b = alerts[1];
  EXPECT_EQ(b["labels"]["severity"], "critical");
  EXPECT_EQ(b["annotations"]["description"], "memory_pressure");
  EXPECT_EQ(b["endsAt"], formatTimestamp(at(300s)));
}

}  // namespace
}  // namespace novacron::reporting
