#include "policy/limits.h"

#include <gtest/gtest.h>

#include "policy/escalation.h"
#include "tests/support/fixture.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;
using testing::at;

Playbook playbook(milliseconds cooldown, int per_hour) {
  Playbook p;
  p.name = "disk_full";
  p.limits = {cooldown, per_hour};
  return p;
}

TEST(LimitsTest, KillSwitchAndConcurrencyCap) {
  Limits l({.max_concurrent = 1});
  Playbook p = playbook(0ms, 100);
  auto r = l.check(p, "a", at(), /*paused=*/true);
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->reason.find("kill switch"), std::string::npos);
  EXPECT_FALSE(l.check(p, "a", at(), false).has_value());
  l.started(p, "a", at());
  ASSERT_TRUE(l.check(p, "b", at(), false).has_value()) << "one at a time";
  l.finished();
  EXPECT_FALSE(l.check(p, "b", at(), false).has_value());
}

TEST(LimitsTest, MaxRunsPerHourIsASlidingWindowOfStartTimes) {
  Limits l({.max_concurrent = 10});
  Playbook p = playbook(0ms, 3);
  // Three runs at 0, 10 and 20 minutes, each for a different incident of the playbook.
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        l.check(p, "k" + std::to_string(i), at(std::chrono::minutes(10 * i)), false).has_value());
    l.started(p, "k" + std::to_string(i), at(std::chrono::minutes(10 * i)));
    l.finished();
    l.resolved("k" + std::to_string(i), at(std::chrono::minutes(10 * i + 1)));
  }
  auto r = l.check(p, "k9", at(30min), false);
  ASSERT_TRUE(r.has_value()) << "resolving incidents does not reset the count";
  EXPECT_EQ(r->retry_at, at(60min)) << "the first run leaves the window after an hour";
  EXPECT_TRUE(l.check(p, "k9", at(59min), false).has_value());
  EXPECT_FALSE(l.check(p, "k9", at(60min) + 1ms, false).has_value());
}

TEST(LimitsTest, CooldownGrowsWhileTheSameIncidentKeepsReturning) {
  Limits l({.max_concurrent = 10, .cooldown_growth = 2.0, .max_cooldown = 1h, .forget_after = 24h});
  Playbook p = playbook(10min, 100);
  EXPECT_EQ(l.cooldown(p, "root"), 10min);
  l.opened(p, "root", at());
  l.started(p, "root", at());
  l.finished();
  EXPECT_FALSE(l.check(p, "root", at(5min), false).has_value())
      << "the next step of the same incident is not held back";
  l.resolved("root", at(6min));
  l.opened(p, "root", at(8min));  // back within 10 minutes
  EXPECT_EQ(l.cooldown(p, "root"), 20min);
  auto r = l.check(p, "root", at(8min), false);
  ASSERT_TRUE(r.has_value()) << "the returning incident waits for the cooldown";
  EXPECT_EQ(r->retry_at, at(20min));
  l.resolved("root", at(9min));
  l.opened(p, "root", at(20min));  // back within 20 minutes again
  EXPECT_EQ(l.cooldown(p, "root"), 40min);
  l.resolved("root", at(21min));
  l.opened(p, "root", at(30min));
  EXPECT_EQ(l.cooldown(p, "root"), 1h) << "capped";
  EXPECT_EQ(l.cooldown(p, "other"), 10min) << "per incident key";
  l.resolved("root", at(31min));
  l.opened(p, "root", at(31min) + 25h);
  EXPECT_EQ(l.cooldown(p, "root"), 10min) << "forgotten after a quiet day";
}

TEST(EscalationTest, TheRunbooksMatrix) {
  // SEV-3: respond within 30 minutes; then L2 for 15 minutes, L3 for 30, the team lead for an hour.
  struct Case {
    int severity;
    std::chrono::minutes after;
    int level;
    std::optional<std::chrono::minutes> next;
  } cases[] = {
      {3, 0min, 0, 30min},
      {3, 29min, 0, 30min},
      {3, 30min, 1, 45min},
      {3, 44min, 1, 45min},
      {3, 45min, 2, 75min},
      {3, 75min, 3, 135min},
      {1, 4min, 0, 5min},
      {1, 5min, 4, 125min},          // SEV-1 goes straight to the engineering
                                     // manager
      {1, 365min, 7, std::nullopt},  // director 4 h, then VP and CTO at once
      {2, 15min, 1, 30min},
      {4, 119min, 0, 120min},
  };
  for (const auto& c : cases) {
    auto step = escalationAt(c.severity, at(), std::nullopt, at(c.after));
    EXPECT_EQ(step.level, c.level) << "SEV-" << c.severity << " after " << c.after.count() << "m";
    EXPECT_EQ(step.next_at, c.next ? std::optional(at(*c.next)) : std::nullopt)
        << "SEV-" << c.severity << " after " << c.after.count() << "m";
  }
  // Acknowledged: the level reached stays, nothing more is due.
  auto acked = escalationAt(3, at(), at(40min), at(10h));
  EXPECT_EQ(acked.level, 1);
  EXPECT_FALSE(acked.next_at.has_value());
  EXPECT_EQ(escalationLevelName(4), "engineering manager");
}

TEST(EscalationTest, RegulatoryDeadlinesForSecurityAndDataOnly) {
  EXPECT_TRUE(regulatoryDeadlines(Category::kDatabase, at()).empty());
  auto d = regulatoryDeadlines(Category::kSecurity, at());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].regulation, "GDPR");
  EXPECT_EQ(d[0].due, at(72h));
  EXPECT_EQ(d[1].due, at(60 * 24h));
  EXPECT_FALSE(d[2].due.has_value());
  EXPECT_EQ(d[2].when, "without unreasonable delay");
  EXPECT_EQ(regulatoryDeadlines(Category::kData, at()).size(), 4u);
}

}  // namespace
}  // namespace novacron::policy
