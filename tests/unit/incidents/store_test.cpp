#include "incidents/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "tests/support/fixture.h"

namespace novacron::incidents {
namespace {

using namespace std::chrono_literals;
using testing::at;

IncidentRecord incident(const std::string& id) {
  IncidentRecord r;
  r.id = id;
  r.playbook = "disk_full";
  r.labels = R"({"mount":"/"})";
  r.severity = 2;
  r.category = "infrastructure";
  r.state = incidents::IncidentState::kOpen;
  r.opened_at = at();
  return r;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.load("empty");
    file_ = root_.path() / "agent.db";
  }
  std::unique_ptr<Store> open() {
    auto s = Store::open(file_);
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  testing::ScratchRoot root_;
  std::filesystem::path file_;
};

TEST_F(StoreTest, SchemaWalAndFullSync) {
  auto s = open();
  EXPECT_EQ(s->schemaVersion(), Store::kSchemaVersion);
  EXPECT_EQ(*s->pragma("journal_mode"), "wal");
  EXPECT_EQ(*s->pragma("synchronous"), "2") << "FULL";
  EXPECT_EQ(*s->pragma("cache_size"), "-512") << "kB: a bounded page cache";
  EXPECT_EQ(*s->pragma("user_version"), std::to_string(Store::kSchemaVersion));
}

TEST_F(StoreTest, IncidentsAndTimelineSurviveAReopen) {
  {
    auto s = open();
    ASSERT_TRUE(s->createIncident(incident("db-01-0001")).has_value());
    for (int i = 0; i < 3; ++i) {
      auto seq = s->appendEvent("db-01-0001", at(std::chrono::seconds(i)), "note",
                                "{\"i\":" + std::to_string(i) + "}");
      ASSERT_TRUE(seq.has_value()) << seq.error().message;
      EXPECT_EQ(*seq, i + 1);
    }
    ASSERT_TRUE(
        s->updateIncident("db-01-0001", incidents::IncidentState::kResolved, 1, at(1s), at(2s))
            .has_value());
  }
  auto s = open();
  auto inc = s->incident("db-01-0001");
  ASSERT_TRUE(inc.has_value() && inc->has_value());
  EXPECT_EQ((*inc)->state, incidents::IncidentState::kResolved);
  EXPECT_EQ((*inc)->severity, 1);
  EXPECT_EQ((*inc)->resolved_at, at(2s));
  auto tl = s->timeline("db-01-0001");
  ASSERT_EQ(tl->size(), 3u);
  EXPECT_EQ((*tl)[2].data, "{\"i\":2}");
  EXPECT_EQ(s->eventsAfter(1, 10)->size(), 2u);
  EXPECT_TRUE(s->openIncidents()->empty());
  EXPECT_EQ(
      s->updateIncident("nope", incidents::IncidentState::kOpen, 1, std::nullopt, std::nullopt)
          .error()
          .code,
      ErrorCode::kNotFound);
  // An event for an incident that does not exist is refused, not orphaned.
  EXPECT_FALSE(s->appendEvent("nope", at(), "note", "{}").has_value());
}

TEST_F(StoreTest, RunsLeftRunningByACrashAreInterruptedNotRerun) {
  {
    auto s = open();
    ASSERT_TRUE(s->createIncident(incident("n-1")).has_value());
    ASSERT_TRUE(s->startActionRun("n-1", "report", "diagnostics_report", at()).has_value());
    auto done = s->startActionRun("n-1", "notify", "notify", at());
    ASSERT_TRUE(s->finishActionRun(*done, actions::RunState::kDone, at(1s), "{}").has_value());
  }
  auto s = open();
  auto interrupted = s->markInterruptedRuns(at(5s));
  ASSERT_EQ(interrupted->size(), 1u);
  EXPECT_EQ((*interrupted)[0].action, "report");
  EXPECT_EQ((*interrupted)[0].pid, 0) << "no process had started";
  auto runs = s->actionRuns("n-1");
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].state, actions::RunState::kInterrupted);
  EXPECT_EQ((*runs)[0].finished_at, at(5s));
  EXPECT_EQ((*runs)[1].state, actions::RunState::kDone);
  auto tl = s->timeline("n-1");
  ASSERT_EQ(tl->size(), 1u);
  EXPECT_EQ((*tl)[0].kind, "action_interrupted");
  EXPECT_TRUE(s->markInterruptedRuns(at(6s))->empty());
}

TEST_F(StoreTest, TheProcessGroupOfARunningActionSurvivesACrash) {
  {
    auto s = open();
    ASSERT_TRUE(s->createIncident(incident("n-1")).has_value());
    auto run = s->startActionRun("n-1", "restart", "exec", at());
    ASSERT_TRUE(s->setRunProcess(*run, 4242, 987654321).has_value());
  }
  auto s = open();
  auto interrupted = s->markInterruptedRuns(at(5s));
  ASSERT_EQ(interrupted->size(), 1u);
  EXPECT_EQ((*interrupted)[0].pid, 4242);
  EXPECT_EQ((*interrupted)[0].pid_start, 987654321u);
  EXPECT_EQ((*interrupted)[0].incident_id, "n-1");
}

TEST_F(StoreTest, ApprovalsArePersistedAndDecidedOnce) {
  {
    auto s = open();
    ASSERT_TRUE(s->createIncident(incident("n-1")).has_value());
    ASSERT_TRUE(s->createIncident(incident("n-2")).has_value());
    ASSERT_TRUE(s->requestApproval("n-1", "restart", at(), at(30s)).has_value());
    ASSERT_TRUE(s->requestApproval("n-2", "failover", at(), at(30s)).has_value());
    ASSERT_TRUE(
        s->decideApproval("n-1", "restart", incidents::ApprovalState::kGranted, at(2s), "alice", "")
            .has_value());
    // A second decision on the same request changes nothing.
    ASSERT_TRUE(
        s->decideApproval("n-1", "restart", incidents::ApprovalState::kDenied, at(3s), "bob", "no")
            .has_value());
  }
  auto s = open();
  EXPECT_EQ(*s->expirePendingApprovals(at(10s), "the agent restarted"), 1);
  auto a = s->approvals("n-1");
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].state, incidents::ApprovalState::kGranted);
  EXPECT_EQ((*a)[0].decided_by, "alice");
  EXPECT_EQ((*a)[0].decided_at, at(2s));
  auto b = s->approvals("n-2");
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].state, incidents::ApprovalState::kExpired)
      << "a pending approval expires to a denial, never a run";
  EXPECT_EQ((*b)[0].reason, "the agent restarted");
  EXPECT_EQ(*s->expirePendingApprovals(at(11s), "again"), 0);
}

TEST_F(StoreTest, AgentStateLikeTheKillSwitchPersists) {
  {
    auto s = open();
    ASSERT_TRUE(s->setState("paused", "true").has_value());
    ASSERT_TRUE(s->setState("paused", "false").has_value());
  }
  auto s = open();
  EXPECT_EQ(*s->state("paused"), std::optional<std::string>("false"));
  EXPECT_EQ(*s->state("unknown"), std::nullopt);
}

TEST_F(StoreTest, RetentionPurgesOnlyOldResolvedIncidents) {
  auto s = open();
  for (auto id : {"old", "recent", "open"})
    ASSERT_TRUE(s->createIncident(incident(id)).has_value());
  ASSERT_TRUE(s->appendEvent("old", at(), "note", "{}").has_value());
  ASSERT_TRUE(s->updateIncident("old", incidents::IncidentState::kResolved, 2, std::nullopt, at(1h))
                  .has_value());
  ASSERT_TRUE(
      s->updateIncident("recent", incidents::IncidentState::kResolved, 2, std::nullopt, at(48h))
          .has_value());
  EXPECT_EQ(*s->purgeResolvedBefore(at(24h)), 1);
  EXPECT_FALSE(s->incident("old")->has_value());
  EXPECT_TRUE(s->timeline("old")->empty()) << "its events go with it";
  EXPECT_TRUE(s->incident("recent")->has_value());
  EXPECT_EQ(s->openIncidents()->size(), 1u);
}

// An incident storm within the retention: past store.max_size_mib the incidents that ended first
// go, the open one and those the coordinator lacks stay, and the file reuses what they left.
TEST_F(StoreTest, ASizeBoundPurgesTheFirstEndedAndTheFileStopsGrowing) {
  auto s = open();
  const std::string big = R"({"output":")" + std::string(20000, 'x') + R"("})";
  auto storm = [&](const std::string& prefix, int n, std::chrono::seconds from) {
    for (int i = 0; i < n; ++i) {
      std::string id = prefix + std::to_string(i);
      ASSERT_TRUE(s->createIncident(incident(id)).has_value());
      ASSERT_TRUE(s->appendEvent(id, at(from + i * 1s), "diagnostics", big).has_value());
      ASSERT_TRUE(s->updateIncident(id, incidents::IncidentState::kResolved, 2, std::nullopt,
                                    at(from + i * 1s)));
    }
  };
  ASSERT_TRUE(s->createIncident(incident("open")).has_value());
  ASSERT_TRUE(s->appendEvent("open", at(), "diagnostics", big).has_value());
  int64_t writes = s->writes();
  storm("a", 40, 0s);
  EXPECT_GT(s->writes(), writes);
  int64_t used = *s->usedBytes();
  ASSERT_GT(used, 40 * 20000);

  // Under the bound: nothing goes.
  auto none = s->boundSize(used + 1, at(1h));
  ASSERT_TRUE(none.has_value()) << none.error().message;
  EXPECT_EQ(none->purged, 0);
  EXPECT_EQ(none->used, used);

  // Over it: down to 90 %, the first ended first.
  const int64_t max = used / 2;
  auto bound = s->boundSize(max, at(1h));
  ASSERT_TRUE(bound.has_value()) << bound.error().message;
  EXPECT_GT(bound->purged, 0);
  EXPECT_LE(bound->used, max / 10 * 9);
  EXPECT_EQ(bound->used, *s->usedBytes());
  EXPECT_FALSE(s->incident("a0")->has_value());
  EXPECT_FALSE(s->incident("a" + std::to_string(bound->purged - 1))->has_value());
  EXPECT_TRUE(s->incident("a" + std::to_string(bound->purged))->has_value());
  EXPECT_TRUE(s->incident("a39")->has_value());
  EXPECT_TRUE(s->incident("open")->has_value());
  EXPECT_TRUE(s->timeline("a0")->empty()) << "its timeline goes with it";

  // As many again: the freed pages are reused, the file barely grows.
  int64_t pages = std::stoll(*s->pragma("page_count"));
  storm("b", bound->purged, 100s);
  ASSERT_TRUE(s->boundSize(max, at(1h)).has_value());
  EXPECT_LE(std::stoll(*s->pragma("page_count")), pages + pages / 10);

  // With a coordinator: the incidents whose events it has not had stay, whatever the bound;
  // the outbox's count follows what went.
  auto kept = s->boundSize(1, at(1h), true);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->purged, 0);
  EXPECT_GT(kept->used, 1);
  int64_t last = s->pendingEvents(1000)->back().seq;
  ASSERT_TRUE(s->markDelivered(1, last, at(1h)));
  auto all = s->boundSize(1, at(1h), true);
  ASSERT_TRUE(all.has_value());
  EXPECT_GT(all->purged, 0);
  EXPECT_TRUE(s->incident("open")->has_value()) << "an open incident never goes";
  EXPECT_EQ(s->outboxStats()->depth, 0);

  // Nor one resolved after the cutoff (its notice may be on its way), nor one whose action is
  // still running (its result is yet to be recorded), by the retention either.
  storm("c", 2, 7200s);
  ASSERT_TRUE(s->startActionRun("c0", "look", "exec", at(7200s)).has_value());
  ASSERT_TRUE(s->boundSize(1, at(1h)).has_value());
  EXPECT_TRUE(s->incident("c0")->has_value());
  EXPECT_TRUE(s->incident("c1")->has_value()) << "resolved after the cutoff";
  ASSERT_TRUE(s->boundSize(1, at(3h)).has_value());
  EXPECT_TRUE(s->incident("c0")->has_value()) << "its action is still running";
  EXPECT_FALSE(s->incident("c1")->has_value());
  EXPECT_EQ(*s->purgeResolvedBefore(at(24h)), 0);
  EXPECT_TRUE(s->incident("c0")->has_value());
}

TEST_F(StoreTest, AnIncidentAndItsOpenedEventAreOneTransaction) {
  auto s = open();
  auto seq = s->openIncident(incident("a"), R"({"reason":"r"})");
  ASSERT_TRUE(seq.has_value());
  auto t = *s->timeline("a");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, "opened");
  EXPECT_EQ(t[0].seq, *seq);
  EXPECT_EQ(s->outboxStats()->depth, 1);
  // The same id again: refused as a whole, nothing half-written.
  auto again = s->openIncident(incident("a"), "{}");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s->timeline("a")->size(), 1u);
  EXPECT_EQ(s->outboxStats()->depth, 1);
}

TEST_F(StoreTest, TheOutboxDeliversParksDropsAndKeepsWhatTheCoordinatorLacks) {
  auto s = open();
  ASSERT_TRUE(s->createIncident(incident("a")).has_value());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(s->appendEvent("a", at(i * 1s), "note", "{}"));
  EXPECT_EQ(s->outboxStats()->depth, 6);
  EXPECT_EQ(*s->outboxStats()->oldest, at());
  ASSERT_TRUE(s->markDelivered(1, 2, at(10s)));
  ASSERT_TRUE(s->parkEvent(3, "HTTP 422"));
  ASSERT_TRUE(s->recordAttempt(4, 6, "HTTP 503"));
  auto pending = *s->pendingEvents(10);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq, 4);
  EXPECT_EQ(*s->outboxStats()->oldest, at(3s));
  auto dropped = *s->dropOldestPending(1);
  EXPECT_EQ(dropped.count, 2);
  EXPECT_EQ(dropped.first_seq, 4);
  EXPECT_EQ(dropped.last_seq, 5);
  EXPECT_EQ(dropped.last_incident, "a");
  EXPECT_EQ(s->pendingEvents(10)->at(0).seq, 6);
  EXPECT_EQ(s->dropOldestPending(1)->count, 0);

  // A resolved incident whose event the coordinator has not had yet outlives the retention
  // while a coordinator is configured.
  ASSERT_TRUE(s->updateIncident("a", incidents::IncidentState::kResolved, 2, std::nullopt, at(1h)));
  EXPECT_EQ(*s->purgeResolvedBefore(at(24h), true), 0);
  ASSERT_TRUE(s->markDelivered(6, 6, at(2h)));
  EXPECT_EQ(*s->purgeResolvedBefore(at(24h), true), 1);
  EXPECT_EQ(s->outboxStats()->depth, 0);
  EXPECT_FALSE(s->outboxStats()->oldest.has_value());
  // Counted, not assumed: reopened, the store counts the outbox afresh and finds it empty.
  s.reset();
  s = open();
  EXPECT_EQ(s->outboxStats()->depth, 0);
  EXPECT_FALSE(s->outboxStats()->oldest.has_value());
}

TEST_F(StoreTest, ANewerSchemaAndAnUnopenableFileAreClearErrors) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto s = Store::open(file_);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("schema version 99, newer than this agent's"),
            std::string::npos);
  auto missing = Store::open("/nonexistent/dir/agent.db");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("cannot open /nonexistent/dir/agent.db"),
            std::string::npos);
}

// A child appends events and reports each one after appendEvent returned; the parent kills it
// with SIGKILL at a random moment. Every reported event must be there after a reopen, in order.
TEST_F(StoreTest, KillNineLosesNoAcknowledgedEvent) {
  {
    auto s = open();
    ASSERT_TRUE(s->createIncident(incident("crash")).has_value());
  }
  std::mt19937 rng(42);
  int64_t acknowledged_total = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto s = Store::open(file_);
      if (!s) ::_exit(2);
      for (int i = 0;; ++i) {
        auto seq = (*s)->appendEvent("crash", at(std::chrono::milliseconds(i)), "tick", "{}");
        if (!seq) ::_exit(3);
        if (::write(fds[1], &*seq, sizeof(*seq)) != sizeof(*seq)) ::_exit(4);
      }
    }
    ::close(fds[1]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5 + rng() % 60);
    int64_t last = 0, seq = 0;
    while (std::chrono::steady_clock::now() < deadline &&
           ::read(fds[0], &seq, sizeof(seq)) == sizeof(seq))
      last = seq;
    ::kill(child, SIGKILL);
    while (::read(fds[0], &seq, sizeof(seq)) == sizeof(seq))
      last = seq;  // acknowledged before the kill
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << " ended on its own: " << status;
    auto s = open();
    auto events = s->timeline("crash");
    ASSERT_TRUE(events.has_value());
    ASSERT_FALSE(events->empty());
    EXPECT_GE(events->back().seq, last) << "round " << round << ": an acknowledged event was lost";
    for (size_t i = 1; i < events->size(); ++i)
      ASSERT_EQ((*events)[i].seq, (*events)[i - 1].seq + 1);
    acknowledged_total = last;
  }
  EXPECT_GT(acknowledged_total, 20);
}

}  // namespace
}  // namespace novacron::incidents
