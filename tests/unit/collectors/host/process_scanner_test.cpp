#include "collectors/host/process_scanner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "collectors/host/task_record.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;

// Streams of task records from pipes: stream n holds processes 1..n. A closed gate holds the
// scanner's thread inside its open until the test lets it go.
class Streams {
 public:
  Result<Fd> open() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_gate_; });
    --waiting_;
    int n = ++opened_;
    if (refuse_ || std::exchange(refuse_once_, false))
      return makeError(ErrorCode::kUnavailable, "no iterator here");
    int p[2];
    if (::pipe(p) != 0) return makeError(ErrorCode::kIo, "pipe");
    for (int pid = 1; pid <= n; ++pid) {
      novacron_task t{};
      t.tgid = t.pid = pid;
      std::strncpy(t.comm, "proc", sizeof t.comm);
      if (::write(p[1], &t, sizeof t) != static_cast<ssize_t>(sizeof t)) std::abort();
    }
    ::close(p[1]);
    return Fd(p[0]);
  }
  void gate(bool open) {
    std::lock_guard lock(mu_);
    open_gate_ = open;
    cv_.notify_all();
  }
  void waitForOpener() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 60s, [&] { return waiting_ > 0; });
  }
  void refuse() { refuse_ = true; }
  void refuseOnce() { refuse_once_ = true; }
  int opened() {
    std::lock_guard lock(mu_);
    return opened_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_gate_ = true, refuse_ = false, refuse_once_ = false;
  int waiting_ = 0, opened_ = 0;
};

constexpr auto kBound = 60s;  // generous: a loaded machine is slow, never this slow

TEST(ProcessScanner, ReadsTheTableFromTheStreamItIsGiven) {
  Streams streams;
  ProcessScanner scanner(4096, 100, [&] { return streams.open(); });
  for (size_t n = 1; n <= 3; ++n) {
    scanner.request();
    scanner.wait(ProcessScanner::Clock::now() + kBound);
    auto scan = scanner.take();
    ASSERT_TRUE(scan);
    ASSERT_FALSE(scan->error);
    EXPECT_EQ(scan->procs.size(), n);
  }
}

// The collector takes the read that finished before it asked for the next one: that read keeps
// its processes while the next one runs. (It once lent them to the next read, and every other
// sample of the process table came out empty.)
TEST(ProcessScanner, AnUntakenReadKeepsItsProcessesWhileTheNextRuns) {
  Streams streams;
  ProcessScanner scanner(4096, 100, [&] { return streams.open(); });
  scanner.request();
  scanner.wait(ProcessScanner::Clock::now() + kBound);  // read 1 done, not taken
  streams.gate(false);
  scanner.request();  // read 2 starts and is held
  streams.waitForOpener();
  auto first = scanner.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->procs.size(), 1u);
  streams.gate(true);
  scanner.wait(ProcessScanner::Clock::now() + kBound);
  auto second = scanner.take();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->procs.size(), 2u);
}

bool hasSelf(const std::vector<ProcessInfo>& procs) {
  for (const auto& p : procs)
    if (p.pid == ::getpid()) return true;
  return false;
}

std::optional<ProcessScanner::Scan> scan(ProcessScanner& scanner) {
  scanner.request();
  scanner.wait(ProcessScanner::Clock::now() + kBound);
  return scanner.take();
}

// A stream that never served means no iterator here: /proc from then on, the stream not asked
// again. One that fails after serving stands aside for that scan only.
TEST(ProcessScanner, NeverServedIsForGoodAFailureAfterServingIsOneScan) {
  Streams never;
  never.refuse();
  ProcessScanner a(4096, 100, [&] { return never.open(); });
  for (int i = 0; i < 2; ++i) {
    auto s = scan(a);
    ASSERT_TRUE(s && !s->error);
    EXPECT_TRUE(hasSelf(s->procs));
  }
  EXPECT_EQ(never.opened(), 1);

  Streams once;
  ProcessScanner b(4096, 100, [&] { return once.open(); });
  auto first = scan(b);
  ASSERT_TRUE(first && !first->error);
  EXPECT_EQ(first->procs.size(), 1u);
  once.refuseOnce();
  auto second = scan(b);
  ASSERT_TRUE(second && !second->error);
  EXPECT_TRUE(hasSelf(second->procs)) << "read from /proc";
  auto third = scan(b);
  ASSERT_TRUE(third && !third->error);
  EXPECT_EQ(third->procs.size(), 3u) << "the stream again (the third opened)";
}

TEST(ProcessScanner, WithoutAStreamItReadsProc) {
  Streams streams;
  streams.refuse();
  ProcessScanner scanner(4096, 100, [&] { return streams.open(); });
  scanner.request();
  scanner.wait(ProcessScanner::Clock::now() + kBound);
  auto scan = scanner.take();
  ASSERT_TRUE(scan);
  ASSERT_FALSE(scan->error);
  bool self = false;
  for (const auto& p : scan->procs) self |= p.pid == ::getpid();
  EXPECT_TRUE(self) << "this test's own process is in /proc";
}

}  // namespace
}  // namespace novacron::collectors
