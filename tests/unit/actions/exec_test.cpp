#include <gtest/gtest.h>
#include <stdlib.h>

#include "tests/support/action_run.h"

namespace novacron::actions {
namespace {

using nlohmann::json;

TEST(ExecActionTest, PlaceholdersFillWholeArgumentsAndTheEnvironmentIsAnAllowList) {
  ::setenv("NOVACRON_TEST_LEAK", "agent-secret", 1);
  testing::ActionRunner runner;
  auto o = runner.run("exec", {{"argv", {"/usr/bin/env"}},
                               {"env", {{"INCIDENT", "{incident.id}"}, {"LANG", "C"}}}});
  ASSERT_EQ(o.state, "done") << o.result.dump();
  std::string out = o.result["stdout"];
  EXPECT_NE(out.find("INCIDENT=node-1-20260101T000000Z-1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("LANG=C\n"), std::string::npos) << "the playbook's value replaces the base";
  EXPECT_NE(out.find("PATH=/usr/local/sbin:"), std::string::npos);
  EXPECT_EQ(out.find("NOVACRON_TEST_LEAK"), std::string::npos) << "nothing of the agent's leaks";
  EXPECT_EQ(runner.pids.size(), 1u);

  o = runner.run("exec", {{"argv", {"/usr/bin/printf", "[%s]", "{incident.description}"}}});
  EXPECT_EQ(o.result["stdout"], "[Root filesystem almost full]") << "one argument, not split";
  ::unsetenv("NOVACRON_TEST_LEAK");
}

TEST(ExecActionTest, FailuresSayWhy) {
  testing::ActionRunner runner;
  auto o = runner.run("exec", {{"argv", {"/bin/false"}}});
  EXPECT_EQ(o.state, "failed");
  EXPECT_EQ(o.result["exit_code"], 1);
  o = runner.run("exec", {{"argv", {"/bin/true", "{labels.nope}"}}});
  EXPECT_EQ(o.state, "failed");
  EXPECT_EQ(o.result["error"], "unknown placeholder {labels.nope} in '{labels.nope}'");
  o = runner.run("exec", {{"argv", {"/bin/true"}}, {"user", "no-such-user-here"}});
  EXPECT_EQ(o.state, "failed");
  EXPECT_EQ(o.result["error"], "no user no-such-user-here");
  o = runner.run("pg_readonly", {{"enable", true}});
  EXPECT_EQ(o.state, "failed");
  EXPECT_EQ(o.result["error"], "no PostgreSQL instance is configured (collectors.postgres)");
}

}  // namespace
}  // namespace novacron::actions
