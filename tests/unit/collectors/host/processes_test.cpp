#include "collectors/host/processes.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/pid_stat.h"
#include "base/text_parse.h"
#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::countOf;
using testing::fixtureRoot;
using testing::valueOf;

ProcessInfo proc(int pid, const char* name, char state, uint64_t rss, uint64_t ticks,
                 uint64_t start = 1) {
  return ProcessInfo{pid, name, state, 1, rss, ticks, start};
}

TEST(ProcessSummaryTest, CountsByStateAndThreads) {
  ProcessSummary summary(3, 100);
  auto s = summary.update(
      {proc(1, "init", 'S', 10, 0), proc(2, "a", 'R', 10, 0), proc(3, "b", 'D', 10, 0),
       proc(4, "c", 'Z', 0, 0), proc(5, "d", 't', 0, 0), proc(6, "kworker", 'I', 0, 0)},
      at());
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "sleeping"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "running"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "disk_sleep"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "zombie"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "stopped"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "idle"}}), 1.0);
  EXPECT_EQ(valueOf(s, "novacron_processes", {{"state", "other"}}), 0.0);
  EXPECT_EQ(valueOf(s, "novacron_threads"), 6.0);
  EXPECT_EQ(countOf(s, "novacron_top_process_cpu_ratio"), 0u)
      << "no CPU ranking without a baseline";
  EXPECT_EQ(countOf(s, "novacron_top_process_resident_bytes"), 3u);
}

TEST(ProcessSummaryTest, TopNByCpuAndRssAndPidReuse) {
  ProcessSummary summary(2, 100);
  summary.update({proc(10, "db", 'S', 500, 1000), proc(11, "web", 'S', 300, 1000),
                  proc(12, "cron", 'S', 100, 1000), proc(13, "old", 'S', 50, 5000, 7)},
                 at());
  // Over 2 s: db used 150 ticks (0.75 core), web 100 (0.5), cron 10. Pid 13 is a new process
  // with a reused pid (different start time): its ticks are not a delta.
  auto s = summary.update({proc(10, "db", 'S', 500, 1150), proc(11, "web", 'R', 900, 1100),
                           proc(12, "cron", 'S', 100, 1010), proc(13, "new", 'R', 50, 9000, 99)},
                          at(2s));
  EXPECT_EQ(
      valueOf(s, "novacron_top_process_cpu_ratio", {{"name", "db"}, {"pid", "10"}, {"rank", "1"}}),
      0.75);
  EXPECT_EQ(
      valueOf(s, "novacron_top_process_cpu_ratio", {{"name", "web"}, {"pid", "11"}, {"rank", "2"}}),
      0.5);
  EXPECT_EQ(countOf(s, "novacron_top_process_cpu_ratio"), 2u);
  EXPECT_EQ(valueOf(s, "novacron_top_process_resident_bytes",
                    {{"name", "web"}, {"pid", "11"}, {"rank", "1"}}),
            900.0);
  EXPECT_EQ(valueOf(s, "novacron_top_process_resident_bytes",
                    {{"name", "db"}, {"pid", "10"}, {"rank", "2"}}),
            500.0);
}

TEST(FileNrParseTest, Cases) {
  auto ok = parseFileNr("2048\t0\t9223372036854775807\n");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->allocated, 2048u);
  EXPECT_EQ(ok->max, 9223372036854775807ull);
  auto bad = parseFileNr("many\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformed);
}

// Reads /proc/PID/stat fields 14+15 (utime+stime) of a child.
uint64_t childTicks(pid_t pid) {
  auto st = readPidStat(pid);
  return st ? st->utime_ticks + st->stime_ticks : 0;
}

// Kills and reaps a test's child however the test ends.
struct Reaper {
  pid_t pid;
  ~Reaper() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

TEST(ProcessesCollectorTest, ARealBusyAndLargeChildIsRanked) {
  constexpr size_t kBytes = 256u << 20;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char* p = static_cast<char*>(::malloc(kBytes));
    std::memset(p, 1, kBytes);
    volatile uint64_t x = 0;
    for (;;) x = x + p[x % kBytes];
  }
  Reaper reaper{child};

  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcessesCollector procs(fixtureRoot("t0"), 50, page,
                           static_cast<double>(::sysconf(_SC_CLK_TCK)));
  // Wait for what the assertions need: all its memory touched (page faults are slow on some
  // machines: 78 MB of 256 were resident when it was sampled on one) and some CPU used. The
  // bound is generous; the wait ends as soon as both hold.
  auto resident = [&] {
    auto st = readPidStat(child);
    return st ? st->rss_pages * page : 0;
  };
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while ((resident() < kBytes || childTicks(child) < 5) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_GE(resident(), kBytes) << "the child never touched its memory";
  auto first = procs.collect(at(), 100ms);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(valueOf(*first, "novacron_file_descriptors_open"), 2048.0);
  EXPECT_GE(*valueOf(*first, "novacron_processes", {{"state", "running"}}), 1.0);

  uint64_t before = childTicks(child);
  deadline = std::chrono::steady_clock::now() + 120s;
  while (childTicks(child) < before + 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_GE(childTicks(child), before + 20) << "the child got no CPU between the two samples";
  // The budget is how long collect() may wait for its read (on its own thread): generous, as a
  // loaded machine may take long, and no longer than the read.
  auto second = procs.collect(at(1s), 60s);
  ASSERT_TRUE(second.has_value());
  bool cpu_ranked = false, rss_ranked = false;
  for (const auto& s : *second) {
    bool is_child = false;
    for (const auto& l : s.labels)
      is_child = is_child || (l.name == "pid" && l.value == std::to_string(child));
    if (!is_child) continue;
    if (s.metric->name == "novacron_top_process_cpu_ratio") cpu_ranked = s.value > 0;
    if (s.metric->name == "novacron_top_process_resident_bytes") rss_ranked = s.value >= kBytes;
  }
  EXPECT_TRUE(cpu_ranked);
  EXPECT_TRUE(rss_ranked);
}

TEST(ProcessesCollectorTest, WithoutABudgetReadsAreServedWhenTheyHaveFinished) {
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  // Every process ranked by RSS, so that a new one shows wherever it stands.
  ProcessesCollector procs(fixtureRoot("t0"), 100000, page,
                           static_cast<double>(::sysconf(_SC_CLK_TCK)));
  auto first = procs.collect(at(), 0ms);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(valueOf(*first, "novacron_threads").has_value()) << "the first read is waited for";

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;) ::pause();
  }
  Reaper reaper{child};
  // Each call asks for a read and serves the newest finished one, never waiting: the child
  // appears once a read that began after its birth has finished.
  auto listed = [&](const std::vector<metrics::Sample>& samples) {
    for (const auto& s : samples)
      for (const auto& l : s.labels)
        if (l.name == "pid" && l.value == std::to_string(child)) return true;
    return false;
  };
  bool seen = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  for (int i = 1; !seen && std::chrono::steady_clock::now() < deadline; ++i) {
    auto r = procs.collect(at(i * 1s), 0ms);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(valueOf(*r, "novacron_threads").has_value()) << "figures never vanish";
    seen = listed(*r);
    if (!seen) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(seen);
}

TEST(ProcessesCollectorTest, MissingAndMalformedFileNrAreErrors) {
  ProcessesCollector missing(fixtureRoot("empty"), 5, 4096, 100);
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  ProcessesCollector bad(fixtureRoot("malformed"), 5, 4096, 100);
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace novacron::collectors
