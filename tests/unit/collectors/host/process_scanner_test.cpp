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
    if (refuse_) return makeError(ErrorCode::kUnavailable, "no iterator here");
    if (std::exchange(refuse_once_, false)) return makeError(refuse_once_code_, "not this time");
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
  void refuseOnce(ErrorCode code) {
    refuse_once_ = true;
    refuse_once_code_ = code;
  }
  int opened() {
    std::lock_guard lock(mu_);
    return opened_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_gate_ = true, refuse_ = false, refuse_once_ = false;
  ErrorCode refuse_once_code_ = ErrorCode::kTimeout;
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

// An unavailable first stream means no iterator here: /proc from then on, the stream not asked
// again. A failure that is not that, or any failure after the iterator served, stands aside for
// that scan only.
TEST(ProcessScanner, UnavailableAtFirstIsForGoodAnyOtherFailureIsOneScan) {
  Streams never;
  never.refuse();
  ProcessScanner a(4096, 100, [&] { return never.open(); });
  for (int i = 0; i < 2; ++i) {
    auto s = scan(a);
    ASSERT_TRUE(s && !s->error);
    EXPECT_TRUE(hasSelf(s->procs));
  }
  EXPECT_EQ(never.opened(), 1);

  // Asked too soon at its first scan (a collector made again by a reload): /proc once.
  Streams soon;
  soon.refuseOnce(ErrorCode::kTimeout);
  ProcessScanner b(4096, 100, [&] { return soon.open(); });
  auto first = scan(b);
  ASSERT_TRUE(first && !first->error);
  EXPECT_TRUE(hasSelf(first->procs)) << "read from /proc";
  auto second = scan(b);
  ASSERT_TRUE(second && !second->error);
  EXPECT_EQ(second->procs.size(), 2u) << "the stream again (the second opened)";

  // Unavailable after it has served: /proc once, then the stream again.
  Streams once;
  ProcessScanner c(4096, 100, [&] { return once.open(); });
  auto ok = scan(c);
  ASSERT_TRUE(ok && !ok->error);
  EXPECT_EQ(ok->procs.size(), 1u);
  once.refuseOnce(ErrorCode::kUnavailable);
  auto fallback = scan(c);
  ASSERT_TRUE(fallback && !fallback->error);
  EXPECT_TRUE(hasSelf(fallback->procs)) << "read from /proc";
  auto again = scan(c);
  ASSERT_TRUE(again && !again->error);
  EXPECT_EQ(again->procs.size(), 3u) << "the stream again (the third opened)";
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
