#include "io/containment.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <fstream>
#include <future>
#include <iterator>
#include <random>

#include "io/process_runner.h"
#include "tests/support/io_thread.h"
#include "tests/support/process_run.h"

namespace novacron::io {
namespace {

using namespace std::chrono_literals;

using testing::processSpec;
using testing::runToEnd;

// Processes whose command line is exactly `cmdline` (NUL-separated), from /proc.
int countProcesses(const std::string& cmdline) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    n += text == cmdline;
  }
  return n;
}

// A containment of its own for each test, on this host's cgroup v2, removed at the end.
class ContainmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    instance_ = "test-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    c_ = Containment::setUp(instance_);
    if (c_.mode() == ContainmentMode::kProcessGroup)
      GTEST_SKIP() << "no writable cgroup v2 here: " << c_.description();
  }
  void TearDown() override { c_.tearDown(); }
  RunCgroupPtr cgroup(const std::string& name, ActionResources r = {}) {
    auto cg = c_.create(name, r);
    EXPECT_TRUE(cg.has_value()) << (cg ? "" : cg.error().message);
    return cg ? *cg : nullptr;
  }
  std::string instance_;
  Containment c_;
  testing::IoThread io_;
};

TEST_F(ContainmentTest, AChildThatCallsSetsidOrDoubleForksDoesNotOutliveItsAction) {
  // As reproduced: setsid -f left a sleep running after the action, holding its slot.
  ProcessSpec s = processSpec({"/usr/bin/setsid", "-f", "/bin/sleep", "311"});
  s.cgroup = cgroup("run-1");
  auto r = runToEnd(io_, s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.containment, "cgroup");
  EXPECT_EQ(r.left_behind, 1u);
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "311\0",
                                       15)),
            0);

  s = processSpec({"/bin/sh", "-c", "(/bin/sleep 312 &); exec /bin/sleep 313"});
  s.cgroup = cgroup("run-2");
  s.timeout = 300ms;
  s.kill_grace = 300ms;
  r = runToEnd(io_, s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "312\0",
                                       15)),
            0);
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "313\0",
                                       15)),
            0);
  EXPECT_FALSE(s.cgroup->populated());
}

TEST_F(ContainmentTest, ChildrenIgnoringSigtermInANewSessionAreKilledAtTheTimeout) {
  ProcessSpec s =
      processSpec({"/bin/sh", "-c",
                   "trap '' TERM; /usr/bin/setsid /bin/sh -c \"trap '' TERM; exec /bin/sleep "
                   "314\" & /bin/sleep 315"});
  s.cgroup = cgroup("run-3");
  s.timeout = 300ms;
  s.kill_grace = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = runToEnd(io_, s);
  EXPECT_TRUE(r.timed_out);
  // The timeout, the grace, and the exit grace at most: the run holds no slot for ever.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "314\0",
                                       15)),
            0);
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "315\0",
                                       15)),
            0);
}

TEST_F(ContainmentTest, AnActionOverItsMemoryIsOomKilledAndReportedSo) {
  if (!c_.memoryLimit()) GTEST_SKIP() << "no memory controller: " << c_.description();
  ActionResources small;
  small.memory_max = 32ull << 20;
  ProcessSpec s =
      processSpec({"/usr/bin/perl", "-e", "my $x = 'a' x (200 * 1024 * 1024); sleep 10"});
  s.cgroup = cgroup("run-4", small);
  auto r = runToEnd(io_, s);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_TRUE(r.oom_killed);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.usage.oom_kills, 1u);
  ASSERT_TRUE(r.usage.memory_peak.has_value());
  EXPECT_LE(*r.usage.memory_peak, small.memory_max);
  EXPECT_TRUE(r.usage.cpu_seconds.has_value());
}

TEST_F(ContainmentTest, WhatAKilledAgentLeftInItsRunsCgroupsIsEndedAtStart) {
  auto cg = cgroup("run-77");
  pid_t left = ::fork();
  if (left == 0) {
    ::setsid();
    ::execl("/bin/sleep", "sleep", "316", nullptr);
    ::_exit(127);
  }
  for (int fd : cg->procsFds()) {
    std::string pid = std::to_string(left);
    ASSERT_EQ(::write(fd, pid.data(), pid.size()), static_cast<ssize_t>(pid.size()));
  }
  auto ended = c_.endLeftovers();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].first, "run-77");
  EXPECT_EQ(ended[0].second, 1u);
  int status = 0;
  ASSERT_EQ(::waitpid(left, &status, 0), left);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(std::filesystem::exists(cg->dir())) << "the cgroup was removed";
}

TEST(ProcessGroupContainmentTest, TheRunEndsAGraceAfterItsMainProcessWhateverLeftoversHold) {
  // Without a cgroup and without a marker, a child in a new session keeps the pipes open: the
  // run still ends once the exit grace has passed.
  testing::IoThread io;
  ProcessSpec s = processSpec({"/bin/sh", "-c", "/usr/bin/setsid /bin/sleep 317 & echo started"});
  s.exit_grace = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = runToEnd(io, s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_EQ(r.containment, "process_group");
  ::system("pkill -f '^/bin/sleep 317$'");
}

TEST(ProcessGroupContainmentTest, ALeftoverCarryingTheRunsMarkerIsEnded) {
  testing::IoThread io;
  ProcessSpec s = processSpec({"/bin/sh", "-c", "/usr/bin/setsid /bin/sleep 318 & echo started"});
  s.marker = "test-marker/" + std::to_string(::getpid());
  s.env.push_back("NOVACRON_RUN=" + s.marker);
  auto r = runToEnd(io, s);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_EQ(r.left_behind, 1u) << "the setsid'ed sleep, found by its marker";
  EXPECT_EQ(countProcesses(std::string("/bin/sleep\0"
                                       "318\0",
                                       15)),
            0);
}

}  // namespace
}  // namespace novacron::io
