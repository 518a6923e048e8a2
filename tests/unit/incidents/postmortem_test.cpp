#include "incidents/postmortem.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::incidents {
namespace {

using namespace std::chrono_literals;
using testing::at;

TEST(PostmortemTest, DraftFromTheRecords) {
  IncidentRecord inc;
  inc.id = "db-01-0001";
  inc.playbook = "disk_full";
  inc.labels = R"({"mount":"/var"})";
  inc.severity = 2;
  inc.category = "infrastructure";
  inc.state = incidents::IncidentState::kResolved;
  inc.opened_at = at();
  inc.acknowledged_at = at(4min);
  inc.resolved_at = at(12min + 30s);
  std::vector<EventRecord> tl = {
      {1, inc.id, at(), "opened", R"({"reason":"disk_used_ratio > 95% held for 1m"})"},
      {2, inc.id, at(1s), "action_started", R"({"action":"clean|tmp"})"},
      {3, inc.id, at(12min), "verification_held", R"({"reason":"disk_used_ratio < 90% for 10m"})"},
  };
  std::vector<ActionRunRecord> runs = {
      {1, inc.id, "clean_tmp", "exec", actions::RunState::kDone, at(1s), at(3s), "{}"}};
  std::string md = postmortemDraft("db-01", inc, tl, runs, at(1h));
  for (const char* want : {
           "# Post-mortem: db-01-0001\n",
           "Playbook `disk_full` (SEV-2, infrastructure) opened on db-01 at "
           "2026-01-01T00:00:00.000Z for "
           "{\"mount\":\"/var\"} and was resolved after 12m30s.",
           "- **Duration**: 2026-01-01T00:00:00.000Z to 2026-01-01T00:12:30.000Z (12m30s)\n",
           "- Time to acknowledge: 4m\n",
           "- **2026-01-01T00:00:00.000Z** opened: disk_used_ratio > 95% held for 1m\n",
           "- **2026-01-01T00:00:01.000Z** action_started: {\"action\":\"clean tmp\"}\n",
           "| clean_tmp | exec | done | 2026-01-01T00:00:01.000Z | 2s |\n",
           "- 2026-01-01T00:12:00.000Z verification_held: disk_used_ratio < 90% for 10m\n",
           "## Root cause\n\n*The technical explanation",
           "| *Action* | *Name* | *Date* | *P0/P1/P2* |",
       }) {
    EXPECT_NE(md.find(want), std::string::npos) << "missing: " << want << "\n---\n" << md;
  }
}

TEST(PostmortemTest, OngoingDryRunIncident) {
  IncidentRecord inc;
  inc.id = "x-1";
  inc.playbook = "security_breach";
  inc.labels = "{}";
  inc.severity = 1;
  inc.category = "security";
  inc.state = incidents::IncidentState::kAwaitingApproval;
  inc.dry_run = true;
  inc.opened_at = at();
  std::string md = postmortemDraft("x", inc, {}, {}, at(90s));
  EXPECT_NE(md.find("and is still awaiting_approval. It ran in dry-run mode"), std::string::npos)
      << md;
  EXPECT_NE(md.find("(ongoing) (1m30s)"), std::string::npos) << md;
  EXPECT_NE(md.find("No action ran."), std::string::npos);
  EXPECT_NE(md.find("- Time to acknowledge: not acknowledged"), std::string::npos);
}

}  // namespace
}  // namespace novacron::incidents
