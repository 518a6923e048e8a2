#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/action_run.h"
#include "tests/support/fixture.h"

namespace novacron::actions {
namespace {

using namespace std::chrono_literals;

// systemd is not PID 1 in CI: a stand-in systemctl (actions.systemctl) that logs its calls and
// plays a unit that starts slowly, one that fails, one that never comes up and one that is not
// there.
class SystemdRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.load("empty");
    auto script = dir.path() / "systemctl";
    std::ofstream(script) << "#!/bin/sh\n"
                          << "d=" << dir.path().string() << "\n"
                          << R"(echo "$*" >> $d/calls
case "$1" in
  restart)
    [ "$3" = missing.service ] && { echo "Unit missing.service not found." >&2; exit 5; }
    echo 0 > $d/polls; exit 0;;
  is-active)
    n=$(($(cat $d/polls) + 1)); echo $n > $d/polls
    case "$3" in
      slow.service) if [ $n -ge 3 ]; then echo active; exit 0; fi; echo activating; exit 3;;
      broken.service) echo failed; exit 3;;
      *) echo activating; exit 3;;
    esac;;
esac
)";
    ::chmod(script.c_str(), 0755);
    runner.settings.systemctl = script.string();
  }
  std::string calls() {
    std::ifstream in(dir.path() / "calls");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  testing::ScratchRoot dir;
  testing::ActionRunner runner;
};

TEST_F(SystemdRestartTest, RestartsAndWaitsUntilTheUnitIsActive) {
  auto o = runner.run("systemd_restart", {{"unit", "slow.service"}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  EXPECT_EQ(o.result["active_state"], "active");
  EXPECT_EQ(o.result["checks"], 3);
  EXPECT_EQ(calls(),
            "restart -- slow.service\nis-active -- slow.service\nis-active -- slow.service\n"
            "is-active -- slow.service\n");
  EXPECT_EQ(runner.pids.size(), 4u) << "every systemctl child is reported, for the run record";
}

TEST_F(SystemdRestartTest, AFailedMissingOrSlowUnitFails) {
  auto o = runner.run("systemd_restart", {{"unit", "broken.service"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "broken.service failed after the restart");

  o = runner.run("systemd_restart", {{"unit", "missing.service"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["exit_code"], 5);
  EXPECT_EQ(o.result["stderr"], "Unit missing.service not found.\n");

  auto start = std::chrono::steady_clock::now();
  o = runner.run("systemd_restart", {{"unit", "never.service"}}, 1500ms);
  EXPECT_EQ(o.state, actions::RunState::kTimedOut);
  EXPECT_EQ(o.result["active_state"], "activating");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
}

TEST_F(SystemdRestartTest, OnlyUnitNamesReachSystemctl) {
  // {labels.mount} is "/": not a unit name, so systemctl never sees it.
  auto o = runner.run("systemd_restart", {{"unit", "{labels.mount}"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "'/' is not a systemd unit name");
  o = runner.run("systemd_restart", {{"unit", "--force.service"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(calls(), "");
}

}  // namespace
}  // namespace novacron::actions
