#include "collectors/host/load.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::fixtureRoot;
using testing::valueOf;

TEST(LoadCollectorTest, Fixture) {
  LoadCollector load(fixtureRoot("t1"));
  auto s = load.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(valueOf(*s, "novacron_load1"), 1.5);
  EXPECT_EQ(valueOf(*s, "novacron_load5"), 0.45);
  EXPECT_EQ(valueOf(*s, "novacron_load15"), 0.15);
  EXPECT_EQ(valueOf(*s, "novacron_load_run_queue"), 4.0);
  EXPECT_EQ(valueOf(*s, "novacron_load_tasks"), 415.0);
}

TEST(LoadCollectorTest, RealCapture) {
  LoadCollector load(fixtureRoot("real"));
  auto s = load.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value());
  EXPECT_GE(*valueOf(*s, "novacron_load_tasks"), 1.0);
}

TEST(LoadavgParseTest, Malformed) {
  const char* cases[] = {"high load\n", "0.1 0.2 0.3\n", "0.1 0.2 0.3 x/4 5\n",
                         "0.1 0.2 0.3 1-4 5\n", ""};
  for (const char* c : cases) {
    auto l = parseLoadavg(c);
    ASSERT_FALSE(l.has_value()) << c;
    EXPECT_EQ(l.error().code, ErrorCode::kMalformed);
  }
}

TEST(LoadCollectorTest, MissingAndMalformedAreErrors) {
  LoadCollector missing(fixtureRoot("empty"));
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  LoadCollector bad(fixtureRoot("malformed"));
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

}  // namespace
}  // namespace novacron::collectors
