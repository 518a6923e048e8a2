#include "actions/orphans.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process_group.h"

namespace novacron::actions {
namespace {

// A process group like an action's, left behind as if the agent had been killed with -9: a
// leader and a grandchild, both sleeping.
pid_t orphanGroup() {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (::fork() == 0) {
      ::execl("/bin/sleep", "sleep", "60", nullptr);
      ::_exit(127);
    }
    ::execl("/bin/sleep", "sleep", "60", nullptr);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  for (int i = 0; i < 500 && testing::groupSize(pid) < 2; ++i) ::usleep(10000);
  EXPECT_EQ(testing::groupSize(pid), 2) << "leader and grandchild started";
  return pid;
}

TEST(OrphansTest, EndsTheGroupItStartedAndNothingElse) {
  pid_t pgid = orphanGroup();
  auto start = processStartTicks(pgid);
  ASSERT_TRUE(start.has_value());

  // A different start time means the pid now belongs to someone else: hands off.
  EXPECT_EQ(endOrphanGroup(pgid, *start + 1), 0);
  EXPECT_EQ(::kill(pgid, 0), 0) << "an unrelated process must survive";

  EXPECT_EQ(endOrphanGroup(pgid, *start), 2) << "the leader and its grandchild";
  int status = 0;
  ::waitpid(pgid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(testing::groupGone(pgid));
  EXPECT_EQ(endOrphanGroup(pgid, *start), 0) << "nothing left";
}

TEST(OrphansTest, AGroupWhoseLeaderIsGoneIsStillEnded) {
  pid_t pgid = orphanGroup();
  auto start = processStartTicks(pgid);
  ASSERT_TRUE(start.has_value());
  ::kill(pgid, SIGKILL);
  ::waitpid(pgid, nullptr, 0);
  EXPECT_EQ(endOrphanGroup(pgid, *start), 1) << "the grandchild, still in the group";
  EXPECT_TRUE(testing::groupGone(pgid));
}

}  // namespace
}  // namespace novacron::actions
