#include "collectors/host/memory.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::countOf;
using testing::fixtureRoot;
using testing::valueOf;

TEST(MeminfoParseTest, RealCapture) {
  auto text = readWholeFile(fixtureRoot("real") / "proc/meminfo");
  ASSERT_TRUE(text.has_value());
  auto m = parseMeminfo(*text);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_GT(m->total, m->available);
  EXPECT_GT(m->available, 0u);
}

TEST(MeminfoParseTest, OldKernelWithoutMemAvailableIsEstimated) {
  auto m = parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->available, 400u * 1024);
}

TEST(MeminfoParseTest, Malformed) {
  const char* cases[] = {"MemTotal: lots kB\n", "MemFree: 1 kB\n",
                         "MemTotal: 0 kB\nMemFree: 0 kB\n", ""};
  for (const char* c : cases) {
    auto m = parseMeminfo(c);
    ASSERT_FALSE(m.has_value()) << c;
    EXPECT_EQ(m.error().code, ErrorCode::kMalformed);
  }
}

TEST(MemoryCollectorTest, GaugesThenPagingRates) {
  testing::ScratchRoot root;
  root.load("t0");
  MemoryCollector mem(root.path(), 4096);
  auto first = mem.collect(at(), 100ms);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(valueOf(*first, "novacron_memory_total_bytes"), 8000000.0 * 1024);
  EXPECT_DOUBLE_EQ(*valueOf(*first, "novacron_memory_used_ratio"), 0.75);
  EXPECT_DOUBLE_EQ(*valueOf(*first, "novacron_swap_used_ratio"), 0.25);
  EXPECT_EQ(valueOf(*first, "novacron_memory_cached_bytes"), 1000000.0 * 1024);
  EXPECT_EQ(countOf(*first, "novacron_memory_page_faults_per_second"), 0u);

  root.load("t1");
  auto second = mem.collect(at(2s), 100ms);
  ASSERT_TRUE(second.has_value());
  EXPECT_DOUBLE_EQ(*valueOf(*second, "novacron_memory_page_faults_per_second"), 150);
  EXPECT_DOUBLE_EQ(*valueOf(*second, "novacron_memory_major_page_faults_per_second"), 5);
  EXPECT_DOUBLE_EQ(*valueOf(*second, "novacron_swap_in_bytes_per_second"), 4096);
  EXPECT_DOUBLE_EQ(*valueOf(*second, "novacron_swap_out_bytes_per_second"), 2 * 4096);
}

TEST(MemoryCollectorTest, NoSwapIsZeroNotDivisionByZero) {
  testing::ScratchRoot root;
  root.load("t0");
  std::ofstream(root.path() / "proc/meminfo", std::ios::trunc)
      << "MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 600 kB\nSwapTotal: 0 kB\nSwapFree: 0 "
         "kB\n";
  MemoryCollector mem(root.path(), 4096);
  auto s = mem.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(valueOf(*s, "novacron_swap_used_ratio"), 0.0);
}

TEST(MemoryCollectorTest, MissingAndMalformedAreErrors) {
  MemoryCollector missing(fixtureRoot("empty"), 4096);
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  MemoryCollector bad(fixtureRoot("malformed"), 4096);
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace novacron::collectors
