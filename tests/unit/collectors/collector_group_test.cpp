#include "collectors/collector_group.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using metrics::MetricDef;
using metrics::MetricType;
using metrics::Sample;
using testing::at;

constexpr metrics::MetricDef kValue{"novacron_test_value", metrics::MetricType::kGauge, "", "test"};

// Succeeds or fails as told; records how often it ran.
class ScriptedCollector final : public collectors::Collector {
 public:
  explicit ScriptedCollector(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::span<const metrics::MetricDef* const> metrics() const override { return defs_; }
  Result<std::vector<metrics::Sample>> collect(TimePoint, milliseconds) override {
    ++runs;
    if (fail) return makeError(ErrorCode::kNotFound, "gone: " + reason);
    return std::vector<metrics::Sample>{{&kValue, {{"from", name_}}, 1.0}};
  }
  bool fail = false;
  std::string reason = "x";
  int runs = 0;

 private:
  std::string name_;
  static constexpr const metrics::MetricDef* defs_[] = {&kValue};
};

TEST(CollectorGroupTest, AFailingCollectorNeverStopsTheOthers) {
  auto a = std::make_unique<ScriptedCollector>("a");
  auto b = std::make_unique<ScriptedCollector>("b");
  ScriptedCollector* pa = a.get();
  ScriptedCollector* pb = b.get();
  std::vector<collectors::CollectorPtr> list;
  list.push_back(std::move(a));
  list.push_back(std::move(b));
  CollectorGroup group("host", std::move(list));
  metrics::MetricStore store;

  pa->fail = true;
  auto msgs = group.sweep(at(), 10ms, store);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], "collector a failed: gone: x");
  EXPECT_EQ(pb->runs, 1);
  EXPECT_FALSE(group.health()[0].up);
  EXPECT_TRUE(group.health()[1].up);
  EXPECT_TRUE(group.latest()[0].empty());
  EXPECT_EQ(group.latest()[1].size(), 1u);
  EXPECT_EQ(store.seriesCount(), 1u);

  // The same failure again is not logged again; a different one is; recovery is.
  EXPECT_TRUE(group.sweep(at(1s), 10ms, store).empty());
  pa->reason = "y";
  EXPECT_EQ(group.sweep(at(2s), 10ms, store).size(), 1u);
  pa->fail = false;
  msgs = group.sweep(at(3s), 10ms, store);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], "collector a recovered");
  EXPECT_EQ(group.health()[0].errors, 3u);
  EXPECT_EQ(group.health()[0].runs, 4u);
  EXPECT_EQ(group.health()[0].last_error, "gone: y") << "the last error is kept after recovery";
  EXPECT_EQ(store.seriesCount(), 2u);
}

}  // namespace
}  // namespace novacron::collectors
