#include "collectors/host/pressure.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::fixtureRoot;

std::optional<double> valueWith(const std::vector<metrics::Sample>& s, std::string_view name,
                                const metrics::Labels& labels) {
  for (const auto& x : s) {
    if (x.metric->name == name && x.labels == labels) return x.value;
  }
  return std::nullopt;
}

TEST(PressureCollectorTest, Fixture) {
  PressureCollector psi(fixtureRoot("psi"));
  auto s = psi.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(valueWith(*s, "novacron_pressure_ratio",
                      {{"resource", "memory"}, {"scope", "full"}, {"window", "10s"}}),
            0.08);
  EXPECT_EQ(valueWith(*s, "novacron_pressure_ratio",
                      {{"resource", "cpu"}, {"scope", "some"}, {"window", "300s"}}),
            0.0025);
  EXPECT_EQ(valueWith(*s, "novacron_pressure_stalled_seconds_total",
                      {{"resource", "io"}, {"scope", "some"}}),
            107.269475);
  // 3 resources x 2 scopes x (3 windows + a total)
  EXPECT_EQ(s->size(), 24u);
}

TEST(PressureCollectorTest, ThisHostIfItHasPsi) {
  if (!std::filesystem::exists("/proc/pressure/cpu")) GTEST_SKIP() << "no PSI on this kernel";
  PressureCollector psi("/");
  auto s = psi.collect(at(), 100ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  for (const auto& x : *s) {
    if (x.metric->name == "novacron_pressure_ratio") {
      EXPECT_GE(x.value, 0.0);
      EXPECT_LE(x.value, 1.0);
    }
  }
}

TEST(PressureParseTest, OlderKernelsHaveNoFullLineForCpu) {
  auto p = parsePressure("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->full.has_value());
}

TEST(PressureParseTest, Malformed) {
  const char* cases[] = {"",
                         "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                         "some avg10=x avg60=0.00 avg300=0.00 total=0\n",
                         "some avg60=0.00 avg10=0.00 avg300=0.00 total=0\n",
                         "some avg10=0.00 avg60=0.00 avg300=0.00\n",
                         "often avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"};
  for (const char* c : cases) {
    auto p = parsePressure(c);
    ASSERT_FALSE(p.has_value()) << c;
    EXPECT_EQ(p.error().code, ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace novacron::collectors
