#include "io/orphans.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/support/process_group.h"

namespace novacron::io {
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

TEST(OrphansTest, AMarkerInAProcessOfAnotherUserIsNotTakenAtItsWord) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a process as another user";
  // As reproduced: the user an action ran as read the marker from /proc and started a decoy
  // carrying it, in a group of its own; the agent must not end it.
  pid_t decoy = ::fork();
  if (decoy == 0) {
    ::setpgid(0, 0);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
    char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"), nullptr};
    char* const envp[] = {const_cast<char*>("NOVACRON_RUN=0123abcd/8"), nullptr};
    ::execve("/bin/sleep", argv, envp);
    ::_exit(127);
  }
  ::setpgid(decoy, decoy);
  // Until it has exec'd as nobody with the marker.
  for (int i = 0; i < 500; ++i) {
    std::ifstream env("/proc/" + std::to_string(decoy) + "/environ");
    std::string text((std::istreambuf_iterator<char>(env)), {});
    if (text.find("NOVACRON_RUN=0123abcd/8") != std::string::npos) break;
    ::usleep(10000);
  }
  EXPECT_EQ(endMarkedProcesses("0123abcd/8"), 0);
  EXPECT_EQ(::kill(decoy, 0), 0) << "the decoy's group was not killed";
  ::kill(decoy, SIGKILL);
  ::waitpid(decoy, nullptr, 0);
}

// The marker names the user the run's process runs as. A root process with a marker that claims
// another user (a set-user-ID program started with a copied marker) is not taken; a process of
// the user the marker names is; one that started before the run is not, whatever it carries.
TEST(OrphansTest, AMarkedProcessCountsOnlyAsTheUserItsMarkerNamesAndAfterItsRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a process as another user";
  EXPECT_EQ(runEnvironment("0123abcd/9", 65534), "NOVACRON_RUN=0123abcd/9:65534");
  auto waitExec = [](pid_t pid, const std::string& var) {
    for (int i = 0; i < 500; ++i) {
      std::ifstream env("/proc/" + std::to_string(pid) + "/environ");
      std::string text((std::istreambuf_iterator<char>(env)), {});
      if (text.find(var) != std::string::npos) return true;
      ::usleep(10000);
    }
    return false;
  };
  const std::string as_nobody = runEnvironment("0123abcd/9", 65534);
  // Root, claiming nobody.
  pid_t liar = withEnv(as_nobody.c_str());
  ASSERT_TRUE(waitExec(liar, as_nobody));
  EXPECT_EQ(endMarkedProcesses("0123abcd/9"), 0);
  EXPECT_EQ(::kill(liar, 0), 0) << "a root process claiming another user was ended";
  ::kill(liar, SIGKILL);
  ::waitpid(liar, nullptr, 0);
  // Nobody, claiming nobody: the run's, unless it started before the run.
  pid_t real = ::fork();
  if (real == 0) {
    ::setpgid(0, 0);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(126);
    char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("60"), nullptr};
    char* const envp[] = {const_cast<char*>(as_nobody.c_str()), nullptr};
    ::execve("/bin/sleep", argv, envp);
    ::_exit(127);
  }
  ::setpgid(real, real);
  ASSERT_TRUE(waitExec(real, as_nobody));
  auto later = processStartTicks(real).value_or(0) + 100;  // one second after it started
  EXPECT_EQ(endMarkedProcesses("0123abcd/9", 0, later), 0);
  EXPECT_EQ(::kill(real, 0), 0) << "a process older than the run was ended";
  EXPECT_LE(processStartTicks(real).value_or(0), bootTicksNow());
  EXPECT_EQ(endMarkedProcesses("0123abcd/9", 0, processStartTicks(real).value_or(0)), 1);
  int status = 0;
  ::waitpid(real, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

}  // namespace
}  // namespace novacron::io
