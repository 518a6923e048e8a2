#include "policy/playbook_loader.h"

#include <gtest/gtest.h>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "actions/registry.h"

#include <fstream>

#include "agent/catalog.h"
#include "tests/support/fixture.h"

namespace novacron::policy {
namespace {

PolicyLoadOptions options() {
  return {[](std::string_view n) { return agent::findMetric(n); }, false, actions::actionCatalog(),
          ""};
}

std::filesystem::path policyFixture(std::string_view name) {
  return std::filesystem::path(NOVACRON_FIXTURES_DIR) / "policy" / name;
}

std::vector<std::string> messages(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& e : d) out.push_back(e.str());
  return out;
}

TEST(BuiltinPlaybooksTest, AllLoadAndCoverTheRunbook) {
  auto load = loadPolicy(builtinPlaybooks(), std::nullopt, options());
  ASSERT_TRUE(load.policy) << ::testing::PrintToString(messages(load.errors));
  for (const char* name :
       {"high_cpu", "memory_leak", "database_slow", "disk_filling", "disk_full", "swap_thrashing",
        "service_down", "db_connections_exhausted", "data_loss_response", "security_breach"}) {
    const Playbook* p = load.policy->find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_TRUE(p->enabled) << name;
    EXPECT_TRUE(p->builtin) << name;
    EXPECT_FALSE(p->actions.empty()) << name;
  }
  // The runbook's database_slow: kill long queries automatically, the rest with approval.
  const Playbook& db = *load.policy->find("database_slow");
  EXPECT_EQ(db.severity, 2);
  EXPECT_EQ(db.category, Category::kDatabase);
  ASSERT_EQ(db.actions.size(), 3u);
  EXPECT_EQ(db.actions[0].type, "pg_cancel_long_queries");
  EXPECT_TRUE(db.actions[0].automated);
  EXPECT_FALSE(db.actions[1].automated);
  EXPECT_TRUE(db.actions[2].approval.distinct_approver);
  // Manual-only scenarios have no condition.
  EXPECT_FALSE(load.policy->find("security_breach")->when.has_value());
  EXPECT_EQ(load.policy->find("security_breach")->severity, 1);
  EXPECT_EQ(load.policy->find("data_loss_response")->actions[0].type, "pg_readonly");
  // disk_filling predicts with predict_linear.
  EXPECT_NE(load.policy->find("disk_filling")->when->text().find("predict_linear"),
            std::string::npos);
}

TEST(PlaybookLoaderTest, DirectoryOverridesDisablesAndAdds) {
  auto load = loadPolicy(builtinPlaybooks(), policyFixture("playbooks_ok"), options());
  ASSERT_TRUE(load.policy) << ::testing::PrintToString(messages(load.errors));
  const Playbook& cpu = *load.policy->find("high_cpu");
  EXPECT_FALSE(cpu.builtin);
  EXPECT_EQ(cpu.severity, 4);
  EXPECT_EQ(cpu.when->text(), "cpu_usage_ratio > 50%");
  EXPECT_FALSE(load.policy->find("swap_thrashing")->enabled);
  const Playbook& mine = *load.policy->find("root_filling");
  EXPECT_EQ(mine.labels.at("team"), "storage");
  EXPECT_EQ(mine.for_duration, std::chrono::minutes(2));
  EXPECT_EQ(load.policy->playbooks.size(), 11u);
}

TEST(PlaybookLoaderTest, EveryProblemAtOnceWithPositions) {
  auto load = loadPolicy(builtinPlaybooks(), policyFixture("playbooks_bad"), options());
  EXPECT_FALSE(load.policy);
  std::string f = policyFixture("playbooks_bad/broken.yaml").string();
  std::vector<std::string> want = {
      f + ":6:3: unknown key 'colour' in a playbook (expected one of: name, severity, category, "
          "description, enabled, "
          "when, for, resolve_when, escalate_when, escalate_to, verify, actions, limits, labels, "
          "label_types)",
      f + ":2:13: playbook bad_one: severity must be between 1 and 4, not 5",
      f + ":3:13: playbook bad_one: category 'weather' must be infrastructure, application, "
          "database, network, "
          "security or data",
      f + ":4:9: playbook bad_one: when: unknown metric 'cpu_usge_ratio' (see novacron-agent "
          "--list-metrics; an application's metric needs a collectors.scrape target whose "
          "metrics admit it)",
      f + ":5:8: playbook bad_one: for: bad duration 'soon': expected a number (write a number and "
          "a unit: 500ms, "
          "10s, 5m, 1h, 1d)",
      f + ":8:22: unknown action type 'teleport' (known: diagnostics_report, escalate, "
          "evidence_bundle, exec, firewall_block, firewall_unblock, "
          "http_request, notify, pg_cancel_long_queries, pg_readonly, "
          "pg_terminate_idle_in_transaction, "
          "pg_vacuum_analyze, redis_command, systemd_restart)",
      f + ":9:39: playbook bad_one: actions[1].automated must be true or false, not 'maybe'",
      f + ":13:27: playbook bad_one: when: expected a metric, a number or '(' but found '>'",
      f + ":9:7: playbook bad_one: actions[1]: exec needs 'argv'",
  };
  auto got = messages(load.errors);
  for (const auto& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w << "\ngot:\n"
                                                               << ::testing::PrintToString(got);
  }
  EXPECT_EQ(got.size(), want.size()) << ::testing::PrintToString(got);
}

// As root, the loader checks a header file the way the agent's user will meet it at run time.
TEST(PlaybookLoaderTest, AHeaderFileTheAgentsUserCannotReadIsNamedWithItsFix) {
  if (::geteuid() != 0 || !::getpwnam("nobody") || !::getgrnam("nogroup")) GTEST_SKIP();
  testing::ScratchRoot dir;
  auto key = dir.path() / "api.key";
  std::ofstream(key) << "k3y\n";
  ::chmod(key.c_str(), 0600);
  std::string text =
      "name: q\nseverity: 3\ncategory: network\nactions:\n"
      "  - {id: a, type: http_request, with: {url: \"http://x/\", header_files: "
      "{X-Key: " +
      key.string() + "}}}\n";
  auto parse = [&](const std::string& reader) {
    Diagnostics errors;
    parsePlaybooks(
        {"q.yaml", text, false}, [](std::string_view n) { return agent::findMetric(n); },
        actions::actionCatalog(), errors, nullptr, reader);
    return messages(errors);
  };
  EXPECT_EQ(parse(""), std::vector<std::string>{});
  EXPECT_EQ(parse("nobody"),
            std::vector<std::string>{"q.yaml:5:80: playbook q: actions[0]: the secret file for "
                                     "header X-Key, " +
                                     key.string() +
                                     ", cannot be read by the agent's user nobody: chgrp nogroup " +
                                     key.string() + " && chmod 0640 " + key.string()});
  ASSERT_EQ(::chown(key.c_str(), 0, ::getgrnam("nogroup")->gr_gid), 0);
  ::chmod(key.c_str(), 0640);
  EXPECT_EQ(parse("nobody"), std::vector<std::string>{});
}

TEST(PlaybookLoaderTest, UrlsSecretsUnitsAndTemplatesAreCheckedToo) {
  Diagnostics errors;
  parsePlaybooks(
      {"q.yaml", R"(name: q
severity: 3
category: network
actions:
  - {id: a, type: http_request, with: {url: "gopher://x", header_files: {X-Key: /nonexistent/key}}}
  - {id: b, type: systemd_restart, with: {unit: "--force"}}
  - {id: c, type: notify, with: {template: cheerful, text: "{incident.nope}"}}
  - {id: d, type: systemd_restart, with: {unit: "{labels.unit}"}}
  - {id: e, type: notify, with: {template: resolution, webhook: "http://127.0.0.1:9/x"}}
)",
       false},
      [](std::string_view n) { return agent::findMetric(n); }, actions::actionCatalog(), errors);
  auto got = messages(errors);
  ASSERT_EQ(got.size(), 5u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0],
            "q.yaml:5:45: playbook q: actions[0]: 'gopher://x' is not an http:// or "
            "https:// URL");
  EXPECT_EQ(got[1],
            "q.yaml:5:81: playbook q: actions[0]: the secret file for header X-Key, "
            "/nonexistent/key, is missing or unreadable (an absolute path is needed)");
  EXPECT_EQ(got[2],
            "q.yaml:6:49: playbook q: actions[1]: '--force' is not a systemd unit name "
            "(e.g. nginx.service)");
  EXPECT_EQ(got[3],
            "q.yaml:7:44: playbook q: actions[2]: unknown notification template "
            "'cheerful' (known: initial_alert, update, resolution, escalation)");
  EXPECT_EQ(got[4].substr(0, 68),
            "q.yaml:7:60: playbook q: actions[2]: unknown placeholder {incident.n");
}

TEST(PlaybookLoaderTest, ActionParametersAreCheckedBeforeAnythingRuns) {
  Diagnostics errors;
  parsePlaybooks(
      {"p.yaml", R"(name: p
severity: 3
category: network
actions:
  - {id: a, type: exec, with: {argv: [sh, -c, "rm -rf /"]}}
  - {id: b, type: exec, with: {argv: ["/nonexistent/tool", "{incident.idd}"]}}
  - {id: c, type: systemd_restart, with: {service: nginx}}
  - {id: d, type: pg_readonly}
  - {id: e, type: pg_cancel_long_queries, with: {older_than: soon}}
  - {id: f, type: exec, with: {argv: ["/bin/echo", "{labels.mount", "{incident.id} {labels.mount}"]}}
)",
       false},
      [](std::string_view n) { return agent::findMetric(n); }, actions::actionCatalog(), errors);
  std::vector<std::string> want = {
      "p.yaml:5:39: playbook p: actions[0]: the program 'sh' must be an absolute path (no PATH "
      "lookup as root)",
      "p.yaml:6:39: playbook p: actions[1]: the program /nonexistent/tool is missing or not "
      "executable on this host",
      "p.yaml:6:60: playbook p: actions[1]: unknown placeholder {incident.idd} (known: "
      "{incident.id}, {incident.playbook}, {incident.severity}, {incident.category}, "
      "{incident.description}, {incident.state}, {incident.opened_at}, {incident.resolved_at}, "
      "{incident.duration}, {incident.actions}, {incident.reason}, {node.id}, {node.labels}, "
      "{labels.NAME})",
      "p.yaml:7:43: playbook p: actions[2]: systemd_restart has no parameter 'service' "
      "(parameters: unit)",
      "p.yaml:7:42: playbook p: actions[2]: systemd_restart needs 'unit'",
      "p.yaml:8:5: playbook p: actions[3]: pg_readonly needs 'enable'",
      "p.yaml:9:62: playbook p: actions[4].with.older_than: bad duration 'soon': expected a number "
      "(write a number "
      "and a unit: 500ms, 10s, 5m, 1h, 1d)",
      "p.yaml:10:52: playbook p: actions[5]: unbalanced braces in '{labels.mount' (write {{ and }} "
      "for literal braces)",
  };
  auto got = messages(errors);
  for (const auto& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w << "\ngot:\n"
                                                               << ::testing::PrintToString(got);
  }
  EXPECT_EQ(got.size(), want.size()) << ::testing::PrintToString(got);
}

TEST(PlaybookLoaderTest, ResourcesAndHeadersAndJsonBodiesAreChecked) {
  Diagnostics errors, warnings;
  auto list = parsePlaybooks(
      {"r.yaml", R"(name: r
severity: 3
category: network
actions:
  - {id: a, type: exec, with: {argv: ["/bin/true"]}, resources: {memory_max: 64MiB, tasks_max: 8, cpu_max: 50%}}
  - {id: b, type: exec, with: {argv: ["/bin/true"]}, resources: {memory_max: lots}}
  - {id: c, type: exec, with: {argv: ["/bin/true"]}, resources: {memory_max: 1KiB, cpu_max: 0%}}
  - {id: d, type: notify, resources: {tasks_max: 4}}
  - {id: e, type: http_request, with: {url: "http://127.0.0.1/", headers: {"Bad Name": x}}}
  - {id: f, type: http_request, with: {url: "http://127.0.0.1/", body: "[1, {labels.n}]"}}
  - {id: g, type: exec, with: {argv: ["/usr/bin/pkill", "-x", "{labels.name}"]}}
)",
       false},
      [](std::string_view n) { return agent::findMetric(n); }, actions::actionCatalog(), errors,
      &warnings);
  std::vector<std::string> want = {
      "r.yaml:6:78: playbook r: actions[1].resources.memory_max: bad number 'lots'",
      "r.yaml:7:78: playbook r: actions[2].resources.memory_max: '1KiB' is out of range",
      "r.yaml:7:93: playbook r: actions[2].resources.cpu_max: '0%' is out of range",
      "r.yaml:8:38: playbook r: actions[3]: notify starts no process; resources apply to exec and "
      "systemd_restart",
      "r.yaml:9:76: playbook r: actions[4]: 'Bad Name' is not an HTTP header name",
      "r.yaml:10:72: playbook r: actions[5].with.body: in a JSON body, {labels.n} must stand "
      "inside a string (\"...{labels.n}...\")",
  };
  auto got = messages(errors);
  for (const auto& w : want) {
    EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << "missing: " << w << "\ngot:\n"
                                                               << ::testing::PrintToString(got);
  }
  EXPECT_EQ(got.size(), want.size()) << ::testing::PrintToString(got);
  ASSERT_EQ(warnings.size(), 1u) << "{labels.name} with no -- before it";
  EXPECT_TRUE(warnings[0].warning);
  EXPECT_NE(warnings[0].str().find("r.yaml:11:63: warning: playbook r: actions[6]: argv[2]"),
            std::string::npos)
      << warnings[0].str();
}

TEST(PlaybookLoaderTest, DuplicateNamesAndStubsWithoutATarget) {
  testing::ScratchRoot root;
  root.load("empty");
  std::ofstream(root.path() / "a.yaml")
      << "name: mine\nseverity: 3\ncategory: network\nwhen: load1 > 4\n";
  std::ofstream(root.path() / "b.yaml") << "- name: mine\n  severity: 3\n  category: network\n"
                                           "- {name: nothing_here, enabled: false}\n";
  auto load = loadPolicy(builtinPlaybooks(), root.path(), options());
  auto got = messages(load.errors);
  ASSERT_EQ(got.size(), 2u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], (root.path() / "b.yaml").string() +
                        ":1:3: duplicate playbook name 'mine' (first at " +
                        (root.path() / "a.yaml").string() + ":1:1)");
  EXPECT_EQ(got[1], (root.path() / "b.yaml").string() +
                        ":4:3: 'nothing_here' is switched off but there is no such playbook");
}

TEST(PlaybookLoaderTest, RootRefusesFilesOthersCanWrite) {
  if (::geteuid() != 0) GTEST_SKIP() << "ownership checks need root";
  testing::ScratchRoot root;
  root.load("empty");
  ::chmod(root.path().c_str(), 0755);
  auto file = root.path() / "x.yaml";
  std::ofstream(file) << "name: mine\nseverity: 3\ncategory: network\n";
  ::chmod(file.c_str(), 0666);
  PolicyLoadOptions opts = options();
  opts.enforce_ownership = true;
  auto load = loadPolicy(builtinPlaybooks(), root.path(), opts);
  ASSERT_FALSE(load.policy);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_NE(load.errors[0].message.find("refusing to load: file"), std::string::npos)
      << load.errors[0].message;
  EXPECT_NE(load.errors[0].message.find("writable by group or others"), std::string::npos);

  ::chmod(file.c_str(), 0644);
  ::chmod(root.path().c_str(), 0777);
  load = loadPolicy(builtinPlaybooks(), root.path(), opts);
  ASSERT_FALSE(load.policy);
  EXPECT_NE(load.errors[0].message.find("refusing playbooks: directory"), std::string::npos);
}

TEST(PlaybookLoaderTest, MissingDirectoryIsAnError) {
  auto load =
      loadPolicy(builtinPlaybooks(), std::filesystem::path("/nonexistent/playbooks"), options());
  ASSERT_FALSE(load.policy);
  EXPECT_EQ(load.errors[0].str(),
            "/nonexistent/playbooks:1:1: playbooks_dir is not a readable directory");
}

}  // namespace
}  // namespace novacron::policy
