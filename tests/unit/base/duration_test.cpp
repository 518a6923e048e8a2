#include "base/duration.h"

#include <gtest/gtest.h>

namespace novacron {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, Parses) {
  struct Case {
    const char* text;
    milliseconds want;
  } cases[] = {{"500ms", 500ms}, {"1s", 1s},   {"5m", 5min},     {"1h", 1h},
               {"2d", 48h},      {"1w", 168h}, {"1h30m", 90min}, {"1m30s500ms", 90500ms},
               {"0s", 0ms},      {"90s", 90s}, {"0ms", 0ms}};
  for (const auto& c : cases) {
    auto d = parseDuration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error().message;
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

TEST(DurationTest, RejectsWithAReason) {
  struct Case {
    const char* text;
    const char* reason;
  } cases[] = {{"", "empty"},
               {"5", "missing unit"},
               {"5x", "unknown unit"},
               {"-5s", "negative"},
               {"1.5s", "unknown unit"},
               {"s", "expected a number"},
               {"30m1h", "units out of order"},
               {"1s1s", "units out of order"},
               {"99999999999999999w", "too large"},
               {" 5s", "expected a number"}};
  for (const auto& c : cases) {
    auto d = parseDuration(c.text);
    ASSERT_FALSE(d.has_value()) << c.text;
    EXPECT_EQ(d.error().code, ErrorCode::kMalformed);
    EXPECT_NE(d.error().message.find(c.reason), std::string::npos)
        << c.text << ": " << d.error().message;
  }
}

TEST(DurationTest, FormatRoundTrips) {
  struct Case {
    milliseconds d;
    const char* text;
  } cases[] = {
      {0ms, "0s"}, {500ms, "500ms"}, {90min, "1h30m"}, {90500ms, "1m30s500ms"}, {48h, "2d"}};
  for (const auto& c : cases) {
    EXPECT_EQ(formatDuration(c.d), c.text);
    EXPECT_EQ(*parseDuration(formatDuration(c.d)), c.d);
  }
}

}  // namespace
}  // namespace novacron
