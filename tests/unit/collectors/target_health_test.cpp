#include "collectors/target_health.h"

#include <gtest/gtest.h>

namespace novacron::collectors {
namespace {

// Every polled thing (probe, scrape target, instance, collector) reaches its status row the same
// way: pending, then down on a failure, degraded when its kind says so, else ok.
TEST(TargetHealthTest, OneRecordOneWayToARow) {
  TargetHealth h;
  h.name = "api";
  auto r = h.row("http probe", false, std::nullopt, "http://127.0.0.1/");
  EXPECT_EQ(r.status, "pending");
  EXPECT_EQ(r.error_ratio, 0.0);

  h.finished("connection refused", 0.25);
  r = h.row("http probe", false, std::nullopt, "http://127.0.0.1/");
  EXPECT_EQ(r.status, "down");
  EXPECT_EQ(r.detail, "connection refused");
  EXPECT_EQ(r.latency_seconds, 0.25);
  EXPECT_EQ(r.error_ratio, 1.0);

  h.finished("", 0.5);
  EXPECT_TRUE(h.up);
  EXPECT_EQ(h.last_error, "connection refused") << "kept after recovery";
  r = h.row("http probe", false, std::nullopt, "http://127.0.0.1/");
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.detail, "http://127.0.0.1/");
  EXPECT_EQ(r.error_ratio, 0.5) << "errors over runs unless the kind has its own";

  r = h.row("http probe", true, 0.2, "http://127.0.0.1/");
  EXPECT_EQ(r.status, "degraded");
  EXPECT_EQ(r.detail, "connection refused") << "a degraded row says what went wrong";
  EXPECT_EQ(r.error_ratio, 0.2);
  EXPECT_EQ(h.runs, 2u);
  EXPECT_EQ(h.errors, 1u);
}

}  // namespace
}  // namespace novacron::collectors
