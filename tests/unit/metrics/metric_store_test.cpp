#include "metrics/metric_store.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/fixture.h"

namespace novacron::metrics {
namespace {

using namespace std::chrono_literals;
using testing::at;

constexpr MetricDef kGauge{"test_gauge", MetricType::kGauge, "k", "a gauge"};
constexpr MetricDef kCounter{"test_total", MetricType::kCounter, "", "a counter"};

// Builds a series with one point per second starting at at(0), values as given.
MetricStore storeWith(const MetricDef& def, std::initializer_list<double> values) {
  MetricStore store;
  int i = 0;
  for (double v : values) {
    Sample s{&def, {}, v};
    store.append(at(std::chrono::seconds(i++)), std::span(&s, 1));
  }
  return store;
}

TEST(WindowTest, Functions) {
  auto store = storeWith(kGauge, {5, 1, 4, 2, 8});
  const Series& s = *store.find("test_gauge", {});
  auto now = at(4s);
  struct Case {
    WindowFn fn;
    std::chrono::milliseconds window;
    std::optional<double> want;
  } cases[] = {
      {WindowFn::kLast, 10s, 8},
      {WindowFn::kAvg, 10s, 4},
      {WindowFn::kMin, 10s, 1},
      {WindowFn::kMax, 10s, 8},
      {WindowFn::kAvg, 2s, 5},  // points at 3s and 4s
      {WindowFn::kMax, 3s, 8},
      {WindowFn::kMin, 3s, 2},              // points at 2s..4s
      {WindowFn::kRate, 10s, 0.75},         // (8 - 5) / 4 s as a gauge slope
      {WindowFn::kRate, 1s, std::nullopt},  // one point is not a rate
  };
  for (const auto& c : cases) {
    auto got = evalWindow(c.fn, s, now, c.window);
    EXPECT_EQ(got, c.want) << static_cast<int>(c.fn) << " over " << c.window.count() << "ms";
  }
  // A window in the future or the past of every point is unknown, not zero.
  EXPECT_FALSE(windowAvg(s, at(60s), 10s).has_value());
  EXPECT_FALSE(windowLast(s, at(-10s), 1s).has_value());
}

TEST(WindowTest, RateOfACounterSurvivesAReset) {
  // 100, 110, 120, then the process restarted: 5, 15. Increase = 10 + 10 + 5 + 10 = 35 over 4 s.
  auto store = storeWith(kCounter, {100, 110, 120, 5, 15});
  EXPECT_DOUBLE_EQ(*windowRate(*store.find("test_total", {}), at(4s), 1min), 35.0 / 4);
}

TEST(WindowTest, PredictLinear) {
  // A disk filling 10 units a second: in 60 s it will be 60 * 10 more than now.
  auto store = storeWith(kGauge, {0, 10, 20, 30, 40});
  const Series& s = *store.find("test_gauge", {});
  EXPECT_NEAR(*windowPredictLinear(s, at(4s), 1min, 60s), 640.0, 1e-9);
  EXPECT_NEAR(*windowPredictLinear(s, at(4s), 1min, 0s), 40.0, 1e-9);
  auto flat = storeWith(kGauge, {7});
  EXPECT_FALSE(windowPredictLinear(*flat.find("test_gauge", {}), at(0s), 1min, 60s).has_value());
}

TEST(MetricStoreTest, SeriesByLabelsInAnyOrderAndSelectByName) {
  constexpr MetricDef kTwo{"test_two", MetricType::kGauge, "a,b", "two labels"};
  MetricStore store;
  std::vector<Sample> samples = {{&kTwo, {{"b", "1"}, {"a", "x"}}, 1.0},
                                 {&kTwo, {{"a", "y"}, {"b", "1"}}, 2.0}};
  store.append(at(), samples);
  store.append(at(1s), samples);
  EXPECT_EQ(store.seriesCount(), 2u);
  EXPECT_EQ(store.pointCount(), 4u);
  EXPECT_EQ(store.select("test_two").size(), 2u);
  EXPECT_TRUE(store.select("nothing").empty());
  const Series* s = store.find("test_two", {{"b", "1"}, {"a", "x"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->labels()[0].name, "a") << "labels are kept sorted";
  EXPECT_EQ(s->back().v, 1.0);
}

TEST(MetricStoreTest, OutOfOrderPointsAreDropped) {
  MetricStore store;
  Sample s{&kGauge, {}, 1.0};
  store.append(at(2s), std::span(&s, 1));
  store.append(at(1s), std::span(&s, 1));
  store.append(at(2s), std::span(&s, 1));
  EXPECT_EQ(store.pointCount(), 1u);
  EXPECT_EQ(store.droppedPoints(), 2u);
}

TEST(MetricStoreTest, RetentionTrimsPointsAndForgetsSilentSeries) {
  MetricStore store({std::chrono::seconds(10), 100, 9000});
  Sample gone{&kGauge, {{"k", "gone"}}, 1.0};
  Sample stays{&kGauge, {{"k", "stays"}}, 1.0};
  store.append(at(), std::span(&gone, 1));
  for (int i = 0; i <= 20; ++i) store.append(at(std::chrono::seconds(i)), std::span(&stays, 1));
  store.trim(at(20s));
  EXPECT_EQ(store.seriesCount(), 1u);
  EXPECT_EQ(store.select("test_gauge").size(), 1u);
  EXPECT_EQ(store.pointCount(), 11u);  // 10 s .. 20 s
}

TEST(MetricStoreTest, MaxSeriesBoundsMemory) {
  MetricStore store({std::chrono::minutes(15), 3, 9000});
  for (int i = 0; i < 10; ++i) {
    Sample s{&kGauge, {{"k", std::to_string(i)}}, 1.0};
    store.append(at(), std::span(&s, 1));
  }
  EXPECT_EQ(store.seriesCount(), 3u);
  EXPECT_EQ(store.droppedSeries(), 7u);
}

// As reported: a target serving 150 series of 15 labels of 4 kB, new values at every scrape,
// took the agent from 9 MB to 385 MB in 40 s. Under a byte budget the churning target keeps
// only its newest series, the store's count of evictions says so, and a quiet target beside it
// and the host's own series lose nothing.
TEST(MetricStoreTest, AChurningTargetIsHeldToItsByteBudget) {
  constexpr MetricDef kApp{"app_churn", MetricType::kGauge, "*", "scraped"};
  constexpr MetricDef kQuiet{"app_quiet", MetricType::kGauge, "*", "scraped"};
  StoreOptions options;
  options.max_bytes_per_target = 2u << 20;
  options.max_scraped_bytes = 3u << 20;
  MetricStore store(options);
  MetricStore::AppendHint hint;
  std::string big(4096, 'v');
  for (int scrape = 0; scrape < 60; ++scrape) {
    std::vector<Sample> batch;
    for (int series = 0; series < 150; ++series) {
      Labels labels = {{"target", "churn"}};
      for (int l = 0; l < 15; ++l)
        labels.push_back({"l" + std::to_string(l), big + std::to_string(scrape * 1000 + series)});
      batch.push_back({&kApp, std::move(labels), 1.0});
    }
    batch.push_back({&kQuiet, {{"target", "quiet"}, {"q", "1"}}, 2.0});
    batch.push_back({&kGauge, {{"k", "host"}}, 3.0});
    store.append(at(std::chrono::seconds(scrape)), batch, &hint);
    ASSERT_LE(store.scrapedBytesOf("churn"), options.max_bytes_per_target) << "scrape " << scrape;
    ASSERT_LE(store.scrapedBytes(), options.max_scraped_bytes) << "scrape " << scrape;
  }
  EXPECT_GT(store.evictedSeries(), 150u * 50);
  // The newest scrape's series are the ones kept.
  const auto& kept = store.select("app_churn");
  ASSERT_FALSE(kept.empty());
  for (const Series* s : kept) EXPECT_EQ(s->back().t, at(std::chrono::seconds(59)));
  EXPECT_EQ(store.select("app_quiet").size(), 1u);
  EXPECT_EQ(store.select("test_gauge").size(), 1u);
  EXPECT_EQ(store.select("app_quiet")[0]->size(), 60u) << "the quiet target kept its history";
  // Everything given back once the window has passed.
  store.trim(at(std::chrono::hours(1)));
  EXPECT_EQ(store.scrapedBytes(), 0u);
  EXPECT_EQ(store.scrapedBytesOf("churn"), 0u);
}

// A hint only ever speeds the lookup up: whatever the order, a series trimmed away, another
// store or a full one, each sample lands where it would without it.
TEST(MetricStoreTest, AnAppendHintNeverSendsASampleToTheWrongSeries) {
  MetricStore store({std::chrono::seconds(10), 3, 9000});
  MetricStore::AppendHint hint;
  auto sample = [](const char* k, double v) { return Sample{&kGauge, {{"k", k}}, v}; };
  auto value = [&](const MetricStore& m, const char* k) {
    const Series* s = m.find("test_gauge", {{"k", k}});
    return s ? s->back().v : -1.0;
  };
  std::vector<Sample> batch = {sample("a", 1), sample("b", 2)};
  store.append(at(), batch, &hint);
  std::vector<Sample> swapped = {sample("b", 20), sample("a", 10)};
  store.append(at(1s), swapped, &hint);
  EXPECT_EQ(value(store, "a"), 10);
  EXPECT_EQ(value(store, "b"), 20);

  // "a" falls silent and is trimmed away; the hint's pointer to it must not be followed.
  std::vector<Sample> only_b = {sample("b", 21)};
  for (int i = 2; i <= 12; ++i) store.append(at(std::chrono::seconds(i)), only_b, &hint);
  store.trim(at(12s));
  ASSERT_EQ(store.find("test_gauge", {{"k", "a"}}), nullptr);
  std::vector<Sample> a_again = {sample("a", 11), sample("b", 22)};
  store.append(at(13s), a_again, &hint);
  EXPECT_EQ(value(store, "a"), 11);
  EXPECT_EQ(value(store, "b"), 22);
  EXPECT_EQ(store.seriesCount(), 2u);

  // A hint made with one store, used with another, points at nothing of the other's.
  MetricStore other;
  store.append(at(14s), batch, &hint);
  other.append(at(14s), swapped, &hint);
  EXPECT_EQ(value(other, "a"), 10);
  EXPECT_EQ(value(other, "b"), 20);
  EXPECT_EQ(value(store, "a"), 1);

  // Over max_series: the sample refused is refused again, not sent to the hint's neighbour.
  std::vector<Sample> four = {sample("a", 3), sample("b", 4), sample("c", 5), sample("d", 6)};
  store.append(at(15s), four, &hint);
  store.append(at(16s), four, &hint);
  EXPECT_EQ(store.seriesCount(), 3u);
  EXPECT_EQ(store.droppedSeries(), 2u);
  EXPECT_EQ(value(store, "c"), 5);
  EXPECT_EQ(store.find("test_gauge", {{"k", "c"}})->size(), 2u);

  // Moved: the series go with the store; the store left behind is empty and the hint made with
  // the moved one sends nothing of its samples there.
  size_t points = store.pointCount();
  MetricStore moved = std::move(store);
  EXPECT_EQ(moved.seriesCount(), 3u);
  EXPECT_EQ(moved.pointCount(), points);
  moved.append(at(17s), batch, &hint);
  store.append(at(18s), swapped, &hint);  // left empty, and usable
  EXPECT_EQ(value(moved, "a"), 1);
  EXPECT_EQ(value(store, "a"), 10);
  EXPECT_EQ(store.seriesCount(), 2u);
}

TEST(MetricStoreTest, ShortHistoryMetricsKeepTheirLatestPointsOnly) {
  constexpr MetricDef kTop{"novacron_top_process_cpu_ratio", MetricType::kGauge, "name,pid,rank",
                           "top"};
  MetricStore store;
  Sample s{&kTop, {{"name", "x"}, {"pid", "1"}, {"rank", "1"}}, 1.0};
  for (int i = 0; i < 100; ++i) store.append(at(std::chrono::seconds(i)), std::span(&s, 1));
  store.trim(at(99s));
  EXPECT_EQ(store.pointCount(), 2u);
}

TEST(MetricStoreTest, ASeriesIsSizedForItsWindowFromItsFirstPointsAndStaysThatSize) {
  MetricStore store;  // 15 minutes
  Sample s{&kGauge, {}, 1.0};
  auto capacity = [&] { return store.find("test_gauge", {})->capacity(); };
  // Every second, with a timer's jitter: 16 points, then room for 15 minutes' 901 at once.
  for (int i = 0; i < 17; ++i) {
    store.append(at(std::chrono::milliseconds(i * 1000 + (i % 3) * 7)), std::span(&s, 1));
    store.trim(at(std::chrono::seconds(i)));
  }
  EXPECT_EQ(capacity(), 1024u);
  // Filling the window neither grows it nor, while nothing has left the window, shrinks it.
  for (int i = 17; i < 2000; ++i) {
    store.append(at(std::chrono::seconds(i)), std::span(&s, 1));
    store.trim(at(std::chrono::seconds(i)));
    ASSERT_EQ(capacity(), 1024u) << i;
  }
  EXPECT_EQ(store.pointCount(), 901u) << "(1999 s - 15 min, 1999 s]";

  // A scrape every 15 s needs 61 points. One whose points come faster than its first ones did
  // is sized again from what it holds when it is full (64 points over 301 s: 188).
  constexpr MetricDef kScraped{"test_scraped", MetricType::kGauge, "", "scraped"};
  Sample scraped{&kScraped, {}, 1.0};
  for (int i = 0; i < 17; ++i)
    store.append(at(std::chrono::seconds(i * 15)), std::span(&scraped, 1));
  EXPECT_EQ(store.find("test_scraped", {})->capacity(), 64u);
  for (int i = 0; i < 60; ++i)
    store.append(at(std::chrono::seconds(255 + i)), std::span(&scraped, 1));
  EXPECT_EQ(store.find("test_scraped", {})->capacity(), 256u);

  // The guess never passes the bound on points.
  MetricStore bounded({std::chrono::minutes(15), 10, 100});
  for (int i = 0; i < 17; ++i)
    bounded.append(at(std::chrono::milliseconds(i * 10)), std::span(&s, 1));
  EXPECT_EQ(bounded.find("test_gauge", {})->capacity(), 128u);
}

TEST(MetricStoreTest, OnlyTheMetricsAskedForKeepTheirHistory) {
  constexpr MetricDef kOther{"test_other", MetricType::kGauge, "", "other"};
  MetricStore store;
  Sample asked{&kGauge, {}, 1.0}, other{&kOther, {}, 2.0};
  auto sweep = [&](int i) {
    store.append(at(std::chrono::seconds(i)), std::span(&asked, 1));
    store.append(at(std::chrono::seconds(i)), std::span(&other, 1));
    store.trim(at(std::chrono::seconds(i)));
  };
  auto size = [&](const char* name) { return store.find(name, {})->size(); };
  for (int i = 0; i < 40; ++i) sweep(i);
  EXPECT_EQ(size("test_gauge"), 40u) << "without a list, every metric keeps its history";
  EXPECT_EQ(size("test_other"), 40u);
  EXPECT_EQ(store.find("test_other", {})->capacity(), 1024u);

  store.keepHistoryOf({"test_gauge"});
  for (int i = 40; i < 100; ++i) sweep(i);
  EXPECT_EQ(size("test_gauge"), 100u);
  EXPECT_EQ(size("test_other"), 2u) << "its latest points, cut at the next trim";
  EXPECT_EQ(store.find("test_other", {})->back().v, 2.0);
  EXPECT_EQ(store.pointCount(), 102u);
  EXPECT_EQ(store.find("test_other", {})->capacity(), 16u) << "its memory given back";

  // A new list (a reload): the one now asked for keeps its points from then on.
  store.keepHistoryOf({"test_other"});
  for (int i = 100; i < 110; ++i) sweep(i);
  EXPECT_EQ(size("test_other"), 12u);
  EXPECT_EQ(size("test_gauge"), 2u);
  // A series that comes after the list gets its bound too.
  constexpr MetricDef kLate{"test_late", MetricType::kGauge, "", "late"};
  Sample late{&kLate, {}, 3.0};
  for (int i = 110; i < 120; ++i) store.append(at(std::chrono::seconds(i)), std::span(&late, 1));
  store.trim(at(120s));
  EXPECT_EQ(size("test_late"), 2u);
}

TEST(MetricStoreTest, MaxPointsPerSeriesBoundsATightInterval) {
  MetricStore store({std::chrono::minutes(15), 10, 5});
  Sample s{&kGauge, {}, 1.0};
  for (int i = 0; i < 100; ++i) store.append(at(std::chrono::milliseconds(i)), std::span(&s, 1));
  store.trim(at(100ms));
  EXPECT_EQ(store.pointCount(), 5u);
}

}  // namespace
}  // namespace novacron::metrics

namespace novacron::metrics {
namespace {

TEST(MetricStoreTest, LabelIndexFollowsInsertsAndTrims) {
  constexpr MetricDef kDisk{"test_disk", MetricType::kGauge, "mount", "disk"};
  MetricStore store({std::chrono::seconds(10), 100, 9000});
  Sample root{&kDisk, {{"mount", "/"}}, 1.0};
  Sample var{&kDisk, {{"mount", "/var"}}, 2.0};
  store.append(testing::at(), std::span(&root, 1));
  store.append(testing::at(std::chrono::seconds(1)), std::span(&var, 1));
  ASSERT_EQ(store.selectEqual("test_disk", "mount", "/var").size(), 1u);
  EXPECT_EQ(store.selectEqual("test_disk", "mount", "/var")[0]->back().v, 2.0);
  EXPECT_TRUE(store.selectEqual("test_disk", "mount", "/home").empty());
  EXPECT_TRUE(store.selectEqual("test_disk", "device", "/").empty());
  EXPECT_TRUE(store.selectEqual("nothing", "mount", "/").empty());
  // "/" stops reporting: trimmed away, it leaves the index too.
  store.trim(testing::at(std::chrono::milliseconds(10500)));
  EXPECT_TRUE(store.selectEqual("test_disk", "mount", "/").empty());
  EXPECT_EQ(store.select("test_disk").size(), 1u);
}

TEST(SeriesTest, RingBufferWrapsGrowsAndShrinks) {
  constexpr MetricDef kDef{"test_ring", MetricType::kGauge, "", "ring"};
  Series s(&kDef, {});
  // Fill, trim the oldest half, append again: the window must span the wrap in order.
  for (int i = 0; i < 16; ++i) s.append(testing::at(std::chrono::seconds(i)), i);
  EXPECT_EQ(s.capacity(), 16u);
  s.trim(testing::at(std::chrono::seconds(8)), 9000);
  for (int i = 16; i < 24; ++i) s.append(testing::at(std::chrono::seconds(i)), i);
  EXPECT_EQ(s.capacity(), 16u) << "wrapped without growing";
  Window w = s.window(testing::at(std::chrono::seconds(23)), std::chrono::seconds(100));
  ASSERT_EQ(w.size(), 16u);
  EXPECT_FALSE(w.second.empty()) << "the window spans the wrap";
  double expect = 8;
  w.forEach([&](const Point& p) { EXPECT_EQ(p.v, expect++); });
  EXPECT_DOUBLE_EQ(*windowAvg(s, testing::at(std::chrono::seconds(23)), std::chrono::seconds(100)),
                   15.5);
  EXPECT_EQ(*windowMin(s, testing::at(std::chrono::seconds(23)), std::chrono::seconds(100)), 8);
  EXPECT_EQ(*windowMax(s, testing::at(std::chrono::seconds(23)), std::chrono::seconds(100)), 23);
  // A burst grows it; once trimmed, memory is given back.
  for (int i = 24; i < 200; ++i) s.append(testing::at(std::chrono::seconds(i)), i);
  EXPECT_EQ(s.capacity(), 256u);
  s.trim(testing::at(std::chrono::seconds(195)), 9000);
  EXPECT_EQ(s.size(), 5u);
  EXPECT_LT(s.capacity(), 256u);
  EXPECT_EQ(s.back().v, 199);
}

}  // namespace
}  // namespace novacron::metrics

namespace novacron::metrics {
namespace {

TEST(SeriesTest, OffsetsRebaseForASeriesThatLivesForWeeks) {
  constexpr MetricDef kDef{"test_long", MetricType::kGauge, "", "long"};
  Series s(&kDef, {});
  // One point every 10 minutes for 30 days, keeping an hour: the offsets pass 2^30 ms (12.4 days)
  // more than once and the window must still read the right values at the right times.
  for (int i = 0; i <= 30 * 144; ++i) {
    TimePoint t = testing::at(std::chrono::minutes(10 * i));
    ASSERT_TRUE(s.append(t, i % 1000)) << i;
    s.trim(t - std::chrono::hours(1), 9000);
  }
  TimePoint end = testing::at(std::chrono::minutes(10 * 30 * 144));
  EXPECT_EQ(s.back().t, end);
  EXPECT_EQ(s.back().v, (30 * 144) % 1000);
  EXPECT_EQ(s.size(), 7u);  // the last hour, both ends included
  EXPECT_EQ(*windowMin(s, end, std::chrono::minutes(25)), (30 * 144 - 2) % 1000);
}

TEST(SeriesTest, ValuesAreKeptToSevenSignificantDigits) {
  constexpr MetricDef kDef{"test_precision", MetricType::kGauge, "", "precision"};
  Series s(&kDef, {});
  ASSERT_TRUE(s.append(testing::at(), 123456789012.0));  // ~115 GiB free
  EXPECT_NEAR(s.back().v, 123456789012.0, 123456789012.0 * 1e-7);
  ASSERT_TRUE(s.append(testing::at(std::chrono::seconds(1)), 0.95));
  EXPECT_NEAR(s.back().v, 0.95, 1e-7);
}

}  // namespace
}  // namespace novacron::metrics
