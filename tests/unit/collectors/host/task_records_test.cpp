#include "collectors/host/task_records.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "collectors/host/task_record.h"

namespace novacron::collectors {
namespace {

novacron_task task(int tgid, int pid, uint64_t runtime_ns, const char* comm = "") {
  novacron_task t{};
  t.tgid = tgid;
  t.pid = pid;
  t.runtime_ns = runtime_ns;
  std::strncpy(t.comm, comm, sizeof t.comm);
  return t;
}

std::string bytes(std::initializer_list<novacron_task> tasks) {
  std::string out;
  for (const auto& t : tasks) out.append(reinterpret_cast<const char*>(&t), sizeof t);
  return out;
}

TEST(TaskStateLetter, AsTheKernelReportsIt) {
  EXPECT_EQ(taskStateLetter(0x0), 'R');
  EXPECT_EQ(taskStateLetter(0x1), 'S');
  EXPECT_EQ(taskStateLetter(0x2), 'D');
  EXPECT_EQ(taskStateLetter(0x4), 'T');
  EXPECT_EQ(taskStateLetter(0x8), 't');
  EXPECT_EQ(taskStateLetter(0x10), 'X');
  EXPECT_EQ(taskStateLetter(0x20), 'Z');
  EXPECT_EQ(taskStateLetter(0x40), 'P');
  EXPECT_EQ(taskStateLetter(0x402), 'I');        // TASK_IDLE
  EXPECT_EQ(taskStateLetter(0x1 | 0x100), 'S');  // TASK_KILLABLE bits beyond the report
  EXPECT_EQ(taskStateLetter(0x0 | 0x20), 'Z');   // a zombie: exit_state
  EXPECT_EQ(taskStateLetter(0xffffffffu), 'I');  // nonsense still maps to a letter
}

TEST(TaskRecords, OneProcessPerThreadGroupWithItsThreadsCpu) {
  auto leader = task(100, 100, 3'000'000'000, "postgres");
  leader.threads = 3;
  leader.state = 0x1;
  leader.rss_pages = 10;
  leader.start_ns = 12'345'000'000;
  // Threads come in tid order: one before its leader's pid (pids wrap), one after.
  std::string stream = bytes({task(100, 50, 1'000'000'000), task(7, 7, 20'000'000, "init"), leader,
                              task(100, 101, 500'000'000), task(999, 1000, 1)});
  TaskRecords records(4096, 100);
  records.add(stream);
  std::vector<ProcessInfo> out;
  ASSERT_TRUE(records.finish(out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].pid, 7);
  EXPECT_EQ(out[0].name, "init");
  EXPECT_EQ(out[0].cpu_ticks, 2u);
  EXPECT_EQ(out[1].pid, 100);
  EXPECT_EQ(out[1].name, "postgres");
  EXPECT_EQ(out[1].state, 'S');
  EXPECT_EQ(out[1].threads, 3);
  EXPECT_EQ(out[1].rss_bytes, 40960u);
  EXPECT_EQ(out[1].cpu_ticks, 450u);  // 4.5 s in 10 ms ticks
  EXPECT_EQ(out[1].start_ticks, 1234u);
}

TEST(TaskRecords, RecordsSplitAnywhereAcrossReads) {
  std::string stream =
      bytes({task(1, 1, 10'000'000, "a"), task(2, 2, 0, "b"), task(2, 3, 20'000'000)});
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    TaskRecords records(4096, 100);
    records.add(stream.substr(0, cut));
    records.add(stream.substr(cut));
    std::vector<ProcessInfo> out;
    ASSERT_TRUE(records.finish(out)) << cut;
    ASSERT_EQ(out.size(), 2u) << cut;
    EXPECT_EQ(out[1].cpu_ticks, 2u) << cut;
  }
}

TEST(TaskRecords, AStreamCutInsideARecordIsRefusedAndForgotten) {
  std::string stream = bytes({task(1, 1, 0, "a"), task(2, 2, 0, "b")});
  TaskRecords records(4096, 100);
  records.add(stream.substr(0, stream.size() - 5));
  std::vector<ProcessInfo> out;
  auto r = records.finish(out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  records.add(bytes({task(3, 3, 0, "c")}));  // the next stream starts clean
  ASSERT_TRUE(records.finish(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].pid, 3);
}

TEST(TaskRecords, NonsenseIsLeftOut) {
  auto full = task(5, 5, UINT64_MAX, "");
  std::memset(full.comm, 'x', sizeof full.comm);  // no NUL: all 16 bytes are the name
  full.threads = -4;
  full.rss_pages = UINT64_MAX;
  std::string stream = bytes({task(0, 0, 1), task(-3, -3, 1), full, task(5, 6, UINT64_MAX),
                              task(4, 4, 1, "backwards"), task(5, 5, 1, "again")});
  TaskRecords records(4096, 100);
  records.add(stream);
  std::vector<ProcessInfo> out;
  ASSERT_TRUE(records.finish(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, std::string(16, 'x'));
  EXPECT_EQ(out[0].threads, 0);
  EXPECT_EQ(out[0].rss_bytes, UINT64_MAX);
  EXPECT_EQ(out[0].cpu_ticks, UINT64_MAX / 10'000'000);  // saturated, not wrapped
}

TEST(TaskRecords, ReadsADescriptorToItsEndAgainAndAgain) {
  TaskRecords records(4096, 100);
  std::vector<ProcessInfo> out;
  for (int round = 1; round <= 3; ++round) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    std::string stream = bytes({task(1, 1, 0, "one"), task(round + 1, round + 1, 0, "two")});
    ASSERT_EQ(::write(p[1], stream.data(), stream.size()), static_cast<ssize_t>(stream.size()));
    ::close(p[1]);
    auto r = records.read(p[0], out);
    ::close(p[0]);
    ASSERT_TRUE(r) << round;
    ASSERT_EQ(out.size(), 2u) << round;
    EXPECT_EQ(out[1].pid, round + 1);
  }
}

}  // namespace
}  // namespace novacron::collectors
