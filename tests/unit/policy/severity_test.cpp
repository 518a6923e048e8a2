#include "policy/severity.h"

#include <gtest/gtest.h>

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;

TEST(SeverityTest, TheRunbooksLevels) {
  struct Case {
    int level;
    std::string_view name;
    std::chrono::minutes response, escalation;
  } cases[] = {{1, "critical", 5min, 0min},
               {2, "high", 15min, 30min},
               {3, "medium", 30min, 2h},
               {4, "low", 2h, 24h}};
  for (const auto& c : cases) {
    auto info = severityInfo(c.level);
    ASSERT_TRUE(info.has_value()) << c.level;
    EXPECT_EQ(info->name, c.name);
    EXPECT_EQ(info->response_time, c.response) << c.level;
    EXPECT_EQ(info->escalation_delay, c.escalation) << c.level;
  }
  EXPECT_FALSE(severityInfo(0).has_value());
  EXPECT_FALSE(severityInfo(5).has_value());
}

TEST(SeverityTest, CategoriesRoundTrip) {
  for (auto name : {"infrastructure", "application", "database", "network", "security", "data"}) {
    auto c = parseCategory(name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(categoryName(*c), name);
  }
  EXPECT_FALSE(parseCategory("weather").has_value());
}

}  // namespace
}  // namespace novacron::policy
