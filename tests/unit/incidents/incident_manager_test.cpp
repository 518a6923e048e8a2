#include "incidents/incident_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "agent/catalog.h"
#include "incidents/incident_commands.h"
#include "policy/playbook_loader.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"
#include "tests/support/policy.h"

namespace novacron::incidents {
namespace {

using namespace std::chrono_literals;
using metrics::Labels;
using metrics::Sample;
using testing::policyFrom;

Labels root() { return {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mount", "/"}}; }

// The agent's loop in miniature: samples go to the store, the evaluator decides, the manager
// acts on real processes and the real SQLite store; time is a FakeClock moved one second a step.
struct Loop {
  testing::ScratchRoot dir;
  testing::FakeClock clock{testing::at()};
  boost::asio::io_context io;
  metrics::MetricStore metrics;
  std::unique_ptr<Store> store;
  policy::Evaluator evaluator;
  std::unique_ptr<IncidentManager> manager;
  std::vector<std::pair<std::string, double>> observed;  // incident durations reported for /metrics

  Loop(const std::string& yaml, bool dry_run = false, const std::string& notify_url = "")
      : evaluator(policyFrom(yaml), {}) {
    dir.load("empty");
    store = std::move(Store::open(dir.path() / "agent.db")).value();
    manager = std::make_unique<IncidentManager>(
        io, *store, clock, metrics,
        ManagerOptions{"db-01",
                       dry_run,
                       30s,
                       {},
                       [this](const std::string& kind, const std::string&, int, double seconds) {
                         observed.emplace_back(kind, seconds);
                       },
                       {"db-01",
                        {{"region", "eu-west"}},
                        dir.path() / "evidence",
                        "",
                        {notify_url, std::nullopt, 5s}}});
    manager->setPolicy(policyFrom(yaml));
    evaluator.setOwner(manager.get());
  }

  // One second: a disk sample, evaluation, decisions, then wait (bounded) for running actions.
  void step(double disk) {
    clock.advance(1s);
    std::vector<Sample> s = {{agent::findMetric("novacron_disk_used_ratio"), root(), disk}};
    metrics.append(clock.now(), s);
    manager->handle(evaluator.evaluate(metrics, clock.now()));
    manager->tick();
    settle();
  }

  // Runs the loop until it has nothing left to do (the actions started have ended and their
  // results are recorded), bounded generously: a loaded machine may take seconds to fork.
  void settle() {
    io.restart();
    for (int i = 0; i < 600 && !io.stopped(); ++i) io.run_for(100ms);
  }

  std::vector<std::string> kinds(const std::string& id) {
    std::vector<std::string> out;
    auto events = store->timeline(id);
    for (const auto& e : *events) out.push_back(e.kind);
    return out;
  }
};

const char* kDisk = R"(
name: disk
severity: 2
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 5s, mandatory: ["disk_used_ratio < 90%"]}
actions:
  - {id: first, type: exec, automated: true, with: {argv: ["/bin/echo", "{incident.id}", "{labels.mount}"]}}
  - {id: second, type: exec, automated: true, with: {argv: ["/bin/true"]}}
limits: {cooldown: 0s, max_runs_per_hour: 10}
)";

const char* kPrintMarker = R"(
name: disk
severity: 2
category: infrastructure
when: disk_used_ratio > 95%
actions:
  - {id: marker, type: exec, automated: true, with: {argv: ["/usr/bin/printenv", "NOVACRON_RUN"]}}
limits: {cooldown: 0s, max_runs_per_hour: 10}
)";

// A run's clean-up kills every process that carries its marker. Two managers made without a
// store id (as the tests make them) once both marked their first run "/1", and one's clean-up
// killed the other's action when the suite ran in parallel.
TEST(IncidentManagerTest, TwoManagersNeverMarkTheirRunsAlike) {
  std::set<std::string> markers;
  for (int i = 0; i < 2; ++i) {
    Loop loop(kPrintMarker);
    loop.step(0.97);
    auto id = loop.manager->incidentFor("disk", root());
    ASSERT_TRUE(id.has_value());
    auto runs = *loop.store->actionRuns(*id);
    ASSERT_EQ(runs.size(), 1u);
    ASSERT_EQ(runs[0].state, actions::RunState::kDone) << runs[0].result;
    auto result = nlohmann::json::parse(runs[0].result);
    std::string marker = result.at("stdout").get<std::string>();
    // NOVACRON_RUN=STORE/RUN:UID (io/orphans.h): the run's marker and the user it runs as.
    EXPECT_TRUE(marker.ends_with("/1:" + std::to_string(::geteuid()) + "\n")) << marker;
    EXPECT_GT(marker.size(), 4u) << marker;
    markers.insert(marker);
  }
  EXPECT_EQ(markers.size(), 2u);
}

TEST(IncidentManagerTest, FiresActsVerifiesFailsActsAgainAndResolves) {
  Loop loop(kDisk);
  loop.step(0.97);
  auto id = loop.manager->incidentFor("disk", root());
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(id->starts_with("db-01-20260101T000001Z-"));
  for (int i = 0; i < 10; ++i)
    loop.step(0.97);                            // the first action did not help: verification fails
  for (int i = 0; i < 8; ++i) loop.step(0.50);  // the second did
  EXPECT_FALSE(loop.manager->incidentFor("disk", root()).has_value());
  EXPECT_EQ(loop.kinds(*id),
            (std::vector<std::string>{"opened", "diagnostics", "flight_recorder", "notification",
                                      "action_started", "action_result", "verification_started",
                                      "verification_failed", "next_action", "action_started",
                                      "action_result", "verification_started", "condition_cleared",
                                      "verification_held", "resolved", "notification"}));
  auto runs = *loop.store->actionRuns(*id);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].state, actions::RunState::kDone);
  EXPECT_NE(runs[0].result.find("\"stdout\":\"" + *id + " /\\n\""), std::string::npos)
      << runs[0].result;
  auto rec = *loop.store->incident(*id);
  EXPECT_EQ(rec->state, incidents::IncidentState::kResolved);
  EXPECT_TRUE(rec->resolved_at.has_value());
  // Time to detect (the condition held from the first sample) and to resolve, for /metrics.
  ASSERT_EQ(loop.observed.size(), 2u);
  EXPECT_EQ(loop.observed[0], (std::pair<std::string, double>{"detection", 0.0}));
  EXPECT_EQ(loop.observed[1].first, "resolution");
  EXPECT_DOUBLE_EQ(loop.observed[1].second,
                   std::chrono::duration<double>(*rec->resolved_at - rec->opened_at).count());
}

TEST(IncidentManagerTest, IdsStayUniqueWhenTheAgentRestartsWithinASecond) {
  Loop first(kDisk);
  first.step(0.97);
  auto a = *first.manager->incidentFor("disk", root());
  // A new manager on the same store at the same second, as after a crash and a quick restart.
  IncidentManager again(first.io, *first.store, first.clock, first.metrics,
                        ManagerOptions{"db-01", false, 30s, {}, {}});
  again.setPolicy(policyFrom(kDisk));
  policy::Evaluator fresh(policyFrom(kDisk), {});
  again.handle(fresh.evaluate(first.metrics, first.clock.now()));
  auto b = again.incidentFor("disk", root());
  ASSERT_TRUE(b.has_value()) << "the second incident must be recorded";
  EXPECT_NE(*b, a);
  EXPECT_TRUE((*first.store->incident(*b)).has_value());
  first.settle();
}

TEST(IncidentManagerTest, NoActionLeftEscalates) {
  Loop loop(kDisk);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  for (int i = 0; i < 25; ++i) loop.step(0.97);
  EXPECT_FALSE(loop.manager->incidentFor("disk", root()).has_value());
  EXPECT_EQ((*loop.store->incident(id))->state, incidents::IncidentState::kEscalated);
  auto k = loop.kinds(id);
  ASSERT_GE(k.size(), 2u);
  EXPECT_EQ(k[k.size() - 2], "escalated");
  EXPECT_EQ(k.back(), "notification") << "the escalation notice follows";
}

// The manager is the one owner of "is this incident open": the evaluator asks it. An escalated
// incident of a watched condition is held while the condition holds (no second incident while a
// human works on the first), and released when the evaluator sees it clear.
TEST(IncidentManagerTest, AnEscalatedIncidentIsHeldUntilItsConditionClears) {
  Loop loop(kDisk);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  EXPECT_EQ(loop.kinds(id)[4], "action_started") << "the manager took the first step itself";
  for (int i = 0; i < 25 && loop.manager->incidentFor("disk", root()); ++i) loop.step(0.97);
  ASSERT_EQ((*loop.store->incident(id))->state, incidents::IncidentState::kEscalated);
  EXPECT_TRUE(loop.manager->holds("disk", root()));
  for (int i = 0; i < 5; ++i) loop.step(0.97);
  EXPECT_FALSE(loop.manager->incidentFor("disk", root()).has_value()) << "no second incident";
  ASSERT_EQ(loop.evaluator.open().size(), 1u);
  loop.step(0.5);  // the condition clears: the evaluator resolves what the manager held
  EXPECT_FALSE(loop.manager->holds("disk", root()));
  EXPECT_TRUE(loop.evaluator.open().empty());
  loop.step(0.97);
  auto again = loop.manager->incidentFor("disk", root());
  ASSERT_TRUE(again.has_value()) << "it opens again once it has cleared";
  EXPECT_NE(*again, id);
}

const char* kApproval = R"(
name: disk
severity: 3
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 3s, mandatory: ["disk_used_ratio < 90%"]}
actions:
  - id: risky
    type: exec
    with: {argv: ["/bin/true"]}
    approval: {timeout: 1m}
  - {id: report, type: diagnostics_report, automated: true}
)";

TEST(IncidentManagerTest, ApprovalsRunDenialsSkipAndExpiryNeverRuns) {
  Loop loop(kApproval);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  EXPECT_EQ((*loop.store->incident(id))->state, incidents::IncidentState::kAwaitingApproval);
  EXPECT_FALSE(loop.manager->approve(id, "report", "alice").has_value())
      << "only the action waiting";
  ASSERT_TRUE(loop.manager->approve(id, "risky", "alice").has_value());
  loop.step(0.97);
  auto runs = *loop.store->actionRuns(id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].action, "risky");

  // A second incident: nobody answers; the approval expires to a denial, and the next action runs.
  Loop quiet(kApproval);
  quiet.step(0.97);
  auto q = *quiet.manager->incidentFor("disk", root());
  for (int i = 0; i < 61; ++i) quiet.step(0.97);
  auto qruns = *quiet.store->actionRuns(q);
  ASSERT_EQ(qruns.size(), 1u);
  EXPECT_EQ(qruns[0].action, "report") << "the expired action never ran";
  auto k = quiet.kinds(q);
  EXPECT_NE(std::find(k.begin(), k.end(), "approval_expired"), k.end());

  Loop denied(kApproval);
  denied.step(0.97);
  auto d = *denied.manager->incidentFor("disk", root());
  ASSERT_TRUE(denied.manager->deny(d, "risky", "bob", "not during business hours").has_value());
  denied.step(0.97);
  EXPECT_EQ((*denied.store->actionRuns(d))[0].action, "report");
}

const char* kOnlyIf = R"(
name: disk
severity: 3
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 3s, mandatory: ["disk_used_ratio < 90%"]}
actions:
  - id: clear_cache
    type: exec
    only_if: max(redis_up) == 1
    with: {argv: ["/bin/true"]}
    approval: {timeout: 1m}
  - {id: report, type: diagnostics_report, automated: true}
)";

TEST(IncidentManagerTest, AStepWhoseOnlyIfDoesNotHoldIsSkippedWithoutAnApproval) {
  // No Redis: no redis_up series, so only_if is unknown and the step is passed over.
  Loop none(kOnlyIf);
  none.step(0.97);
  auto id = *none.manager->incidentFor("disk", root());
  EXPECT_NE((*none.store->incident(id))->state, incidents::IncidentState::kAwaitingApproval);
  auto runs = *none.store->actionRuns(id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].action, "report");
  auto k = none.kinds(id);
  EXPECT_NE(std::find(k.begin(), k.end(), "action_skipped"), k.end());
  EXPECT_EQ(std::find(k.begin(), k.end(), "approval_requested"), k.end());

  // A Redis that is up: the step asks for its approval.
  Loop with(kOnlyIf);
  std::vector<Sample> up = {{agent::findMetric("novacron_redis_up"), {{"instance", "cache"}}, 1}};
  with.metrics.append(with.clock.now() + 1s, up);
  with.step(0.97);
  auto w = *with.manager->incidentFor("disk", root());
  EXPECT_EQ((*with.store->incident(w))->state, incidents::IncidentState::kAwaitingApproval);
}

TEST(IncidentManagerTest, KillSwitchDefersAutomatedActions) {
  Loop loop(kDisk);
  loop.manager->setPaused(true);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  loop.step(0.97);
  EXPECT_TRUE(loop.store->actionRuns(id)->empty());
  auto k = loop.kinds(id);
  EXPECT_EQ(std::count(k.begin(), k.end(), "action_deferred"), 1)
      << "recorded once, not every second";
  loop.manager->setPaused(false);
  loop.step(0.97);
  EXPECT_EQ(loop.store->actionRuns(id)->size(), 1u);
}

TEST(IncidentManagerTest, DryRunRecordsAndRunsNothing) {
  Loop loop(kDisk, /*dry_run=*/true);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  loop.step(0.97);
  auto runs = *loop.store->actionRuns(id);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].state, actions::RunState::kSkipped);
  EXPECT_NE(runs[0].result.find("dry-run"), std::string::npos);
  EXPECT_TRUE((*loop.store->incident(id))->dry_run);
}

TEST(IncidentManagerTest, UnacknowledgedIncidentsClimbTheEscalationPath) {
  Loop loop(R"(
name: disk
severity: 2
category: security
when: disk_used_ratio > 95%
)");
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  loop.clock.advance(15min);
  loop.step(0.97);
  auto k = loop.kinds(id);
  EXPECT_EQ(std::count(k.begin(), k.end(), "regulatory_deadline"), 4)
      << "security incidents carry them";
  ASSERT_EQ(k[k.size() - 2], "escalation_notice") << "SEV-2 not acknowledged within 15 minutes";
  auto events = loop.store->timeline(id);
  EXPECT_NE((*events)[k.size() - 2].data.find("\"to\":\"L2 engineer\""), std::string::npos)
      << (*events)[k.size() - 2].data;
  EXPECT_NE(events->back().data.find("\"template\":\"escalation\""), std::string::npos)
      << events->back().data;
  ASSERT_TRUE(loop.manager->acknowledge(id, "alice").has_value());
  EXPECT_EQ(loop.observed.back(), (std::pair<std::string, double>{"acknowledge", 15 * 60 + 1}));
  loop.clock.advance(2h);
  loop.step(0.97);
  EXPECT_EQ(loop.kinds(id).back(), "acknowledged") << "no more notices once acknowledged";
}

TEST(IncidentManagerTest, OpeningRecordsTheFlightRecorderAndNotifiesOpenAndResolve) {
  testing::HttpRecorder hook;
  Loop loop(kDisk, false, hook.url("/hook"));
  for (double v : {0.80, 0.85, 0.90}) {
    loop.clock.advance(1s);
    std::vector<Sample> s = {{agent::findMetric("novacron_disk_used_ratio"), root(), v}};
    loop.metrics.append(loop.clock.now(), s);
  }
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  auto events = *loop.store->timeline(id);
  auto find = [&](const std::string& kind) {
    for (const auto& e : events) {
      if (e.kind == kind) return nlohmann::json::parse(e.data);
    }
    return nlohmann::json();
  };
  // What the agent saw before it acted, point by point.
  auto fr = find("flight_recorder");
  ASSERT_EQ(fr["series"].size(), 1u) << fr.dump();
  EXPECT_EQ(fr["series"][0]["metric"], "novacron_disk_used_ratio");
  EXPECT_EQ(fr["series"][0]["labels"]["mount"], "/");
  ASSERT_EQ(fr["series"][0]["points"].size(), 4u);
  EXPECT_FLOAT_EQ(fr["series"][0]["points"][0][1].get<double>(), 0.80f);
  EXPECT_FLOAT_EQ(fr["series"][0]["points"][3][1].get<double>(), 0.97f);

  auto n = find("notification");
  EXPECT_EQ(n["template"], "initial_alert");
  EXPECT_EQ(n["delivered"], true) << n.dump();
  for (int i = 0; i < 10; ++i) loop.step(0.50);
  ASSERT_FALSE(loop.manager->incidentFor("disk", root()).has_value());
  auto sent = hook.requests();
  ASSERT_EQ(sent.size(), 2u);
  auto first = nlohmann::json::parse(sent[0].body);
  auto last = nlohmann::json::parse(sent[1].body);
  EXPECT_EQ(first["subject"], "[NovaCron] SEV-2 disk on db-01");
  EXPECT_NE(first["text"].get<std::string>().find("Affected host: db-01 (region=eu-west)"),
            std::string::npos);
  EXPECT_EQ(last["subject"], "[NovaCron] Resolved: disk on db-01");
  std::string why;  // the run's own record, should it not be done
  auto runs = loop.store->actionRuns(id);
  for (const auto& r : *runs)
    why += r.action + " " + std::string(actions::runStateName(r.state)) + " " + r.result + "\n";
  EXPECT_NE(last["text"].get<std::string>().find("Actions taken: first: done"), std::string::npos)
      << last["text"] << "\n"
      << why;
  EXPECT_EQ(loop.kinds(id).back(), "notification");
}

TEST(IncidentManagerTest, AFullStoreIsReportedAndTheIncidentOpensOnceItHeals) {
  Loop loop(kDisk);
  // SQLite's page limit gives exactly what a full disk gives: SQLITE_FULL on the next write.
  auto pages = loop.store->pragma("page_count");
  ASSERT_TRUE(pages.has_value());
  ASSERT_TRUE(loop.store->pragma("max_page_count=" + *pages).has_value());
  // Fill what room the pages have left with small rows, until the store refuses.
  IncidentRecord filler;
  filler.playbook = "f";
  filler.labels = "{}";
  filler.category = "c";
  filler.state = incidents::IncidentState::kResolved;
  int rows = 0;
  for (; rows < 100000; ++rows) {
    filler.id = "x" + std::to_string(rows);
    if (!loop.store->createIncident(filler)) break;
  }
  ASSERT_LT(rows, 100000);
  for (int i = 0; i < 100000 && loop.store->appendEvent("x0", loop.clock.now(), "f", "{}"); ++i) {
  }
  loop.step(0.97);
  EXPECT_FALSE(loop.manager->incidentFor("disk", root()).has_value())
      << "nothing runs for an incident that is not recorded";
  EXPECT_NE(loop.manager->storeError().find("full"), std::string::npos)
      << loop.manager->storeError();
  EXPECT_EQ(loop.evaluator.open().size(), 0u) << "the evaluator forgot it, to try again";

  ASSERT_TRUE(loop.store->pragma("max_page_count=1000000").has_value());
  loop.step(0.97);
  auto id = loop.manager->incidentFor("disk", root());
  ASSERT_TRUE(id.has_value()) << "recorded once the store takes writes again";
  EXPECT_EQ(loop.manager->storeError(), "");
  EXPECT_EQ(loop.kinds(*id).front(), "opened");
}

TEST(IncidentManagerTest, AMountNamedInBytesThatAreNotTextOpensAnIncidentThatActs) {
  // A filesystem mounted at donn\xe9es (Latin-1): its label reached every JSON document of the
  // incident and the agent aborted. The label is made valid by the collector; this is the last
  // guard, with the raw bytes.
  Loop loop(kDisk);
  Labels weird = {{"device", "/dev/loop9"},
                  {"fstype", "ext4"},
                  {"mount",
                   "/srv/donn\xe9"
                   "es"}};
  loop.clock.advance(1s);
  std::vector<Sample> s = {{agent::findMetric("novacron_disk_used_ratio"), weird, 0.99}};
  loop.metrics.append(loop.clock.now(), s);
  loop.manager->handle(loop.evaluator.evaluate(loop.metrics, loop.clock.now()));
  loop.settle();
  auto id = loop.manager->incidentFor("disk", weird);
  ASSERT_TRUE(id.has_value());
  auto k = loop.kinds(*id);
  for (const char* kind : {"opened", "diagnostics", "flight_recorder", "action_started"}) {
    EXPECT_NE(std::find(k.begin(), k.end(), kind), k.end()) << kind;
  }
  auto runs = *loop.store->actionRuns(*id);
  ASSERT_FALSE(runs.empty());
  EXPECT_NE(runs[0].result.find("/srv/donn\xef\xbf\xbd"
                                "es"),
            std::string::npos)
      << runs[0].result;
}

const char* kFourSteps = R"(
name: disk
severity: 3
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 1s, mandatory: ["disk_used_ratio < 0%"]}
actions:
  - {id: one, type: exec, automated: true, with: {argv: ["/bin/true"]}}
  - {id: two, type: exec, automated: true, with: {argv: ["/bin/true"]}}
  - {id: three, type: exec, automated: true, with: {argv: ["/bin/true"]}}
  - {id: four, type: exec, automated: true, with: {argv: ["/bin/true"]}}
)";

TEST(IncidentManagerTest, OneIncidentRunsItsWholePlaybookUnderTheDefaultBudgets) {
  // As reproduced: the fourth step was deferred by max_runs_per_hour (3 by default), which
  // counted every action start.
  Loop loop(kFourSteps);
  loop.step(0.97);
  auto id = *loop.manager->incidentFor("disk", root());
  for (int i = 0; i < 30 && loop.manager->incidentFor("disk", root()); ++i) loop.step(0.97);
  auto runs = *loop.store->actionRuns(id);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[3].action, "four");
  auto k = loop.kinds(id);
  EXPECT_EQ(std::find(k.begin(), k.end(), "action_deferred"), k.end());
  EXPECT_EQ((*loop.store->incident(id))->state, incidents::IncidentState::kEscalated);
}

TEST(IncidentManagerTest, TwentyReopeningsInAnHourRunNoMoreRemediationsThanTheBudget) {
  const char* flappy = R"(
name: disk
severity: 3
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 1s, mandatory: ["disk_used_ratio < 90%"]}
actions:
  - {id: one, type: exec, automated: true, with: {argv: ["/bin/true"]}}
  - {id: two, type: exec, automated: true, with: {argv: ["/bin/true"]}}
limits: {cooldown: 0s, max_runs_per_hour: 3}
)";
  Loop loop(flappy);
  // Flap detection would hold it back too; this is about the budget alone.
  policy::EvaluatorOptions no_flapping;
  no_flapping.flap_threshold = 1000;
  loop.evaluator.setOptions(no_flapping);
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    loop.step(0.97);  // opens
    if (auto id = loop.manager->incidentFor("disk", root())) ids.insert(*id);
    for (int j = 0; j < 3; ++j) loop.step(0.5);  // recovers: verified and resolved
  }
  EXPECT_EQ(ids.size(), 20u) << "twenty incidents";
  size_t remediations = 0, runs = 0, deferred_by_budget = 0;
  for (const auto& id : ids) {
    auto r = *loop.store->actionRuns(id);
    runs += r.size();
    remediations += !r.empty();
    auto timeline = *loop.store->timeline(id);
    for (const auto& e : timeline) {
      if (e.kind == "action_deferred" &&
          e.data.find("\"budget\":\"limits.max_runs_per_hour\"") != std::string::npos)
        ++deferred_by_budget;
    }
  }
  EXPECT_EQ(remediations, 3u) << "limits.max_runs_per_hour";
  EXPECT_LE(runs, 6u);
  EXPECT_EQ(deferred_by_budget, 17u) << "every other incident says which budget held it";
}

const char* kManual = R"(
name: contain
severity: 1
category: security
actions:
  - {id: mark, type: exec, automated: true, with: {argv: ["/usr/bin/printf", "--user={labels.user}"]}}
  - id: end_sessions
    type: exec
    with: {argv: ["/usr/bin/printf", "%s", "{labels.user}"]}
    approval: {distinct_approver: true}
  - {id: hand_over, type: escalate, automated: true}
limits: {cooldown: 0s, max_runs_per_hour: 10}
)";

struct Commands {
  Loop loop{kManual};
  std::string node = "db-01", store_error;
  IncidentContext context() {
    return {loop.store.get(), loop.manager.get(), loop.clock, node, store_error, &loop.evaluator};
  }
  CommandReply trigger(const nlohmann::json& args, const Requester& who) {
    std::string why;
    auto t = readTrigger(args, why);
    if (!t) return CommandReply::error("bad_request", why);
    return incidents::trigger(context(), *t, who);
  }
  void settle() { loop.settle(); }
};

TEST(IncidentCommandsTest, AManualPlaybookCanBeTriggeredAgainAfterItEscalated) {
  Commands c;
  Requester root{"root (uid 0)", "root (uid 0)"};
  auto first = c.trigger({{"playbook", "contain"}, {"labels", {{"user", "mallory"}}}}, root);
  ASSERT_TRUE(first.ok()) << first.message;
  std::string id = first.data["id"];
  c.settle();
  ASSERT_TRUE(c.loop.manager->deny(id, "end_sessions", "alice (uid 1000)", "not yet").has_value());
  c.settle();
  EXPECT_EQ((*c.loop.store->incident(id))->state, incidents::IncidentState::kEscalated);
  // As reproduced: "already open" after an escalation, for ever, even after SIGHUP.
  auto again = c.trigger({{"playbook", "contain"}, {"labels", {{"user", "mallory"}}}}, root);
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_NE(again.data["id"], id);
}

TEST(IncidentCommandsTest, EveryArgumentIsCheckedBeforeAnythingChanges) {
  Commands c;
  Requester root{"root (uid 0)", "root (uid 0)"};
  struct Case {
    nlohmann::json args;
    const char* why;
  } cases[] = {
      {{{"playbook", "contain"}, {"labels", {{"user", "m"}}}, {"dry_run", "yes"}}, "dry_run"},
      {{{"playbook", "contain"}, {"labels", {{"user", "m"}}}, {"reason", 7}}, "reason"},
      {{{"playbook", "contain"}}, "needs --label user=VALUE"},
      {{{"playbook", "contain"}, {"labels", {{"user", "m"}, {"host", "h"}}}}, "uses no label"},
      {{{"playbook", "contain"}, {"labels", {{"user", "-F/etc/x"}}}}, "would take for an option"},
      {{{"playbook", "contain"}, {"labels", {{"user", "a\nb"}}}}, "control character"},
      {{{"playbook", "contain"}, {"labels", {{"bad-name", "x"}}}}, "label name"},
      {{{"playbook", "contain"}, {"labels", {{"user", 5}}}}, "must be a string"},
  };
  for (const auto& k : cases) {
    auto r = c.trigger(k.args, root);
    EXPECT_FALSE(r.ok()) << k.args.dump();
    EXPECT_NE(r.message.find(k.why), std::string::npos) << k.args.dump() << ": " << r.message;
  }
  EXPECT_TRUE(c.loop.evaluator.open().empty()) << "nothing was opened, nothing is stuck";
  auto ok = c.trigger({{"playbook", "contain"}, {"labels", {{"user", "mallory"}}}}, root);
  ASSERT_TRUE(ok.ok()) << ok.message;
  c.settle();
  auto runs = *c.loop.store->actionRuns(ok.data["id"]);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_NE(runs[0].result.find("--user=mallory"), std::string::npos) << runs[0].result;
}

TEST(IncidentCommandsTest, DistinctApproversAreIdentitiesNotWhatABodySays) {
  Commands c;
  // Triggered by a holder of the API token "ops"...
  auto t = c.trigger({{"playbook", "contain"}, {"labels", {{"user", "mallory"}}}},
                     {"token ops", "alice"});
  ASSERT_TRUE(t.ok()) << t.message;
  std::string id = t.data["id"];
  c.settle();
  // ...who cannot approve it with the same token, whatever name the body gives.
  auto same = decide(c.context(), "approve", id, "end_sessions", {"token ops", "root (uid 0)"}, "");
  EXPECT_EQ(same.code, "permission_denied") << same.message;
  auto other = decide(c.context(), "approve", id, "end_sessions",
                      {"bob (uid 1001)", "bob (uid 1001)"}, "checked");
  EXPECT_TRUE(other.ok()) << other.message;
  c.settle();
  auto k = c.loop.kinds(id);
  EXPECT_NE(std::find(k.begin(), k.end(), "approval_granted"), k.end());
}

}  // namespace
}  // namespace novacron::incidents
