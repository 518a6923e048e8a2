#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "base/json_text.h"
#include "tests/support/fixture.h"

#include "tests/support/action_run.h"

namespace novacron::actions {
namespace {

using nlohmann::json;

TEST(ExecActionTest, PlaceholdersFillWholeArgumentsAndTheEnvironmentIsAnAllowList) {
  ::setenv("NOVACRON_TEST_LEAK", "agent-secret", 1);
  testing::ActionRunner runner;
  auto o = runner.run("exec", {{"argv", {"/usr/bin/env"}},
                               {"env", {{"INCIDENT", "{incident.id}"}, {"LANG", "C"}}}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
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
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["exit_code"], 1);
  o = runner.run("exec", {{"argv", {"/bin/true", "{labels.nope}"}}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "unknown placeholder {labels.nope} in '{labels.nope}'");
  o = runner.run("exec", {{"argv", {"/bin/true"}}, {"user", "no-such-user-here"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "no user no-such-user-here");
  o = runner.run("pg_readonly", {{"enable", true}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "no PostgreSQL instance is configured (collectors.postgres)");
}

TEST(ExecActionTest, OutputThatIsNotTextBecomesValidText) {
  testing::ActionRunner runner;
  // What killed the agent: nlohmann's dump() threw on the \377 of the action's output.
  auto o = runner.run("exec", {{"argv", {"/usr/bin/printf", "A\\377B"}}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
  EXPECT_EQ(o.result["stdout"],
            "A\xef\xbf\xbd"
            "B");
  EXPECT_NO_THROW((void)o.result.dump());

  // Valid UTF-8 longer than the 64 KiB bound, cut by the bound in the middle of a character.
  testing::ScratchRoot dir;
  dir.load("empty");
  std::string text = "x";
  while (text.size() < 70000) text += "\xc3\xa9";  // é: byte 65536 is the first half of one
  std::ofstream(dir.path() / "out.txt", std::ios::binary) << text;
  o = runner.run("exec", {{"argv", {"/bin/cat", (dir.path() / "out.txt").string()}}});
  ASSERT_EQ(o.state, actions::RunState::kDone);
  std::string out = o.result["stdout"];
  EXPECT_EQ(out, text.substr(0, 65535)) << "cut before the character the bound splits";
  EXPECT_EQ(o.result["stdout_bytes"], text.size());
  EXPECT_NO_THROW((void)o.result.dump());
}

TEST(ExecActionTest, AValueFromTheHostNeverBecomesAnOption) {
  // The attack as reproduced: a 700 MB process named -F<file>, the file holding the pid of a
  // root process, and a playbook running `pkill -x {labels.name}` on the biggest process.
  testing::ScratchRoot dir;
  dir.load("empty");
  pid_t victim = ::fork();
  if (victim == 0) {
    ::execl("/bin/sleep", "sleep", "60", nullptr);
    ::_exit(127);
  }
  std::ofstream(dir.path() / "pidfile") << victim << "\n";
  testing::ActionRunner runner;
  runner.values["labels.name"] = "-F" + (dir.path() / "pidfile").string();
  auto o = runner.run("exec", {{"argv", {"/usr/bin/pkill", "-x", "{labels.name}"}}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  std::string error = o.result["error"];
  EXPECT_NE(error.find("would take for an option"), std::string::npos) << error;
  EXPECT_TRUE(runner.pids.empty()) << "pkill never ran";
  EXPECT_EQ(::kill(victim, 0), 0) << "the root process is alive";

  // After "--" programs take no options: the same value is a name, as it should be.
  o = runner.run("exec", {{"argv", {"/usr/bin/printf", "[%s]", "--", "{labels.name}"}}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
  // A literal option written by the playbook, with the value inside it, is fine too.
  o = runner.run("exec", {{"argv", {"/usr/bin/printf", "--pidfile={labels.name}"}}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);

  runner.values["labels.name"] = std::string("a\0b", 3);
  o = runner.run("exec", {{"argv", {"/usr/bin/printf", "{labels.name}"}}});
  EXPECT_EQ(o.state, actions::RunState::kFailed) << "exec would cut the argument at the NUL";
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
}

}  // namespace
}  // namespace novacron::actions
