#include "collectors/host/cpu.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::countOf;
using testing::fixtureRoot;
using testing::valueOf;

TEST(ProcStatParseTest, RealCapture) {
  auto text = readWholeFile(fixtureRoot("real") / "proc/stat");
  ASSERT_TRUE(text.has_value());
  auto st = parseProcStat(*text);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(st->cores.size(), 2u);
  EXPECT_EQ(st->all.ticks[CpuTicks::kUser], 45017u);
  EXPECT_EQ(st->context_switches, 414846u);
  EXPECT_GT(st->interrupts, 0u);
}

TEST(ProcStatParseTest, Malformed) {
  struct Case {
    const char* text;
  } cases[] = {{"cpu  1 2 x\nctxt 1\nintr 1\nprocesses 1\n"},
               {"ctxt 1\nintr 1\nprocesses 1\n"},
               {"cpu  1 2 3 4\nintr 1\nprocesses 1\n"},
               {"cpu  1 2 3 4\nctxt\nintr 1\nprocesses 1\n"},
               {""}};
  for (const auto& c : cases) {
    auto st = parseProcStat(c.text);
    ASSERT_FALSE(st.has_value()) << c.text;
    EXPECT_EQ(st.error().code, ErrorCode::kMalformed);
  }
}

TEST(CpuCollectorTest, FirstSampleHasNoRatesOrRatios) {
  CpuCollector cpu(fixtureRoot("t0"));
  auto s = cpu.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(valueOf(*s, "novacron_cpu_online_cores"), 2.0);
  EXPECT_EQ(countOf(*s, "novacron_cpu_usage_ratio"), 0u);
  EXPECT_EQ(countOf(*s, "novacron_cpu_context_switches_per_second"), 0u);
}

TEST(CpuCollectorTest, RatiosAndRatesFromDeltas) {
  testing::ScratchRoot root;
  root.load("t0");
  CpuCollector cpu(root.path());
  ASSERT_TRUE(cpu.collect(at(), 100ms).has_value());
  root.load("t1");
  auto s = cpu.collect(at(1s), 100ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;

  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_usage_ratio"), 0.4);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_mode_ratio", {{"mode", "user"}}), 0.3);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_mode_ratio", {{"mode", "iowait"}}), 0.1);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_mode_ratio", {{"mode", "idle"}}), 0.5);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_context_switches_per_second"), 1000);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_interrupts_per_second"), 2500);
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_forks_per_second"), 10);
  // cpu0: +30 user +10 system +60 idle, iowait went down by 5 and counts as 0: 40/100 busy.
  EXPECT_DOUBLE_EQ(*valueOf(*s, "novacron_cpu_core_usage_ratio", {{"cpu", "0"}}), 0.4);
  // cpu1 went offline: no series for it, and one core online.
  EXPECT_FALSE(valueOf(*s, "novacron_cpu_core_usage_ratio", {{"cpu", "1"}}).has_value());
  EXPECT_EQ(valueOf(*s, "novacron_cpu_online_cores"), 1.0);
}

TEST(CpuCollectorTest, MissingAndMalformedAreErrors) {
  CpuCollector missing(fixtureRoot("empty"));
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  CpuCollector bad(fixtureRoot("malformed"));
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace novacron::collectors
