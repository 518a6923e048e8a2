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

// A process started with an environment, in its own group.
pid_t withEnv(const char* var) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"), nullptr};
    char* const envp[] = {const_cast<char*>(var), nullptr};
    ::execve("/bin/sleep", argv, envp);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}

TEST(OrphansTest, ProcessesAreFoundByTheMarkerOfTheirRun) {
  std::string marker = runMarker("0123abcd", 7);
  EXPECT_EQ(marker, "0123abcd/7");
  pid_t ours = withEnv("NOVACRON_RUN=0123abcd/7");
  pid_t other_run = withEnv("NOVACRON_RUN=0123abcd/70");
  for (int i = 0; i < 500; ++i) {
    if (endMarkedProcesses("0123abcd/7") > 0) break;
    ::usleep(10000);  // until the child has exec'd with its environment
  }
  int status = 0;
  ::waitpid(ours, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(::kill(other_run, 0), 0) << "another run's process is left alone";
  ::kill(other_run, SIGKILL);
  ::waitpid(other_run, nullptr, 0);
  EXPECT_EQ(endMarkedProcesses(""), 0);
}

}  // namespace
}  // namespace novacron::actions
