#include "io/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "base/pid_stat.h"
#include "tests/support/io_thread.h"
#include "tests/support/process_group.h"
#include "tests/support/process_run.h"

namespace novacron::io {
namespace {

using namespace std::chrono_literals;

using testing::processSpec;
using testing::runToEnd;

TEST(ProcessRunnerTest, CapturesOutputAndExitStatus) {
  testing::IoThread io;
  auto r = runToEnd(io, processSpec({"/bin/echo", "hello", "two words"}));
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello two words\n");
  EXPECT_FALSE(r.timed_out);

  // Arguments are whole arguments: nothing is split or expanded.
  r = runToEnd(io, processSpec({"/bin/echo", "$(id) ; rm -rf / *"}));
  EXPECT_EQ(r.out, "$(id) ; rm -rf / *\n");

  r = runToEnd(io, processSpec({"/bin/sh", "-c", "echo oops >&2; exit 3"}));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "oops\n");
}

TEST(ProcessRunnerTest, AChildThatIgnoresSigtermIsKilled) {
  testing::IoThread io;
  ProcessSpec s =
      processSpec({"/bin/sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"});
  s.timeout = 200ms;
  s.kill_grace = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = runToEnd(io, s);
  ASSERT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.killed);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_GE(r.duration, 500ms);
  EXPECT_TRUE(testing::groupGone(r.pid)) << "the sleep children must be gone too";
}

TEST(ProcessRunnerTest, GrandchildrenDoNotOutliveTheAction) {
  testing::IoThread io;
  auto r = runToEnd(io, processSpec({"/bin/sh", "-c", "sleep 300 & sleep 300 & echo forked"}));
  ASSERT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "forked\n");
  EXPECT_LT(r.duration, 30s) << "done does not wait for the background sleeps";
  EXPECT_TRUE(testing::groupGone(r.pid));
}

TEST(ProcessRunnerTest, HundredMegabytesOfOutputAreBounded) {
  testing::IoThread io;
  ProcessSpec s = processSpec({"/usr/bin/head", "-c", "100000000", "/dev/zero"});
  s.max_output = 4096;
  auto r = runToEnd(io, s);
  ASSERT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out_bytes, 100000000u);
  EXPECT_EQ(r.out.size(), 4096u);
  EXPECT_TRUE(r.out_truncated);
}

TEST(ProcessRunnerTest, TheEnvironmentIsOnlyWhatWasGiven) {
  ::setenv("NOVACRON_TEST_SECRET", "hunter2", 1);
  testing::IoThread io;
  ProcessSpec s = processSpec({"/usr/bin/env"});
  s.env.push_back("INCIDENT=db-01-42");
  auto r = runToEnd(io, s);
  ::unsetenv("NOVACRON_TEST_SECRET");
  EXPECT_EQ(r.out,
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/"
            "bin\nLANG=C.UTF-8\nINCIDENT=db-01-42\n");
}

TEST(ProcessRunnerTest, TheChildInheritsNoDescriptorOfTheAgent) {
  // Descriptors like the agent's: a listening socket and an open file, without CLOEXEC.
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  int file = ::open("/etc/hostname", O_RDONLY);
  ASSERT_GE(sock, 0);
  ASSERT_GE(file, 0);
  testing::IoThread io;
  // ls opens /proc/self/fd itself, as descriptor 3: anything beyond 0-3 was inherited.
  auto r = runToEnd(io, processSpec({"/bin/ls", "/proc/self/fd"}));
  ::close(sock);
  ::close(file);
  EXPECT_EQ(r.out, "0\n1\n2\n3\n");
}

TEST(ProcessRunnerTest, WorkingDirectoryAndUser) {
  testing::IoThread io;
  ProcessSpec s = processSpec({"/bin/pwd"});
  s.cwd = "/tmp";
  EXPECT_EQ(runToEnd(io, s).out, "/tmp\n");
  if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  ProcessSpec as = processSpec({"/bin/sh", "-c", "id -u; id -G"});
  as.uid = 65534;
  as.gid = 65534;
  EXPECT_EQ(runToEnd(io, as).out, "65534\n65534\n") << "supplementary groups are dropped";
}

TEST(ProcessRunnerTest, WhatCannotStartSaysWhy) {
  testing::IoThread io;
  struct Case {
    std::vector<std::string> argv;
    const char* why;
  } cases[] = {
      {{}, "no program to run"},
      {{"sh", "-c", "true"}, "is not an absolute path"},
      {{"/nonexistent/tool"}, "cannot execute /nonexistent/tool: No such file or directory"},
      {{"/etc/passwd"}, "cannot execute /etc/passwd: Permission denied"}};
  for (const auto& c : cases) {
    auto r = runToEnd(io, processSpec(c.argv));
    EXPECT_FALSE(r.started);
    EXPECT_NE(r.error.find(c.why), std::string::npos) << r.error;
  }
}

TEST(ProcessRunnerTest, TheChildDiesWithAnAgentKilledWithSigkill) {
  // A stand-in agent in its own process starts the child and reports its pid, then is killed.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    ::close(fds[0]);
    boost::asio::io_context io;
    ProcessSpec s = processSpec({"/bin/sleep", "30"});
    s.on_started = [&](pid_t pid) {
      (void)!::write(fds[1], &pid, sizeof(pid));
      ::kill(::getpid(), SIGKILL);
    };
    runProcess(io, std::move(s), [](ProcessResult) {});
    io.run();
    ::_exit(1);
  }
  ::close(fds[1]);
  pid_t child = 0;
  ASSERT_EQ(::read(fds[0], &child, sizeof(child)), static_cast<ssize_t>(sizeof(child)));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(agent, &status, 0), agent);
  ASSERT_TRUE(WIFSIGNALED(status));
  // The child was reparented; SIGKILL reaches it at once. Zombies (nobody reaps them here) count
  // as gone.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    auto st = readPidStat(child);
    gone = !st || st->state == 'Z';
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone) << "the action outlived the agent";
}

}  // namespace
}  // namespace novacron::io
