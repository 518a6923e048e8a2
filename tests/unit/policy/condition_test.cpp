#include "policy/condition.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;
using metrics::Labels;
using metrics::MetricDef;
using metrics::MetricType;
using metrics::Sample;
using testing::at;

constexpr MetricDef kCpu{"novacron_cpu_usage_ratio", MetricType::kGauge, "", "cpu"};
constexpr MetricDef kDisk{"novacron_disk_used_ratio", MetricType::kGauge, "device,fstype,mount",
                          "disk"};
constexpr MetricDef kFree{"novacron_disk_free_bytes", MetricType::kGauge, "device,fstype,mount",
                          "free"};
constexpr MetricDef kLoad{"novacron_load1", MetricType::kGauge, "", "load"};

const MetricDef* lookup(std::string_view name) {
  for (const MetricDef* d : {&kCpu, &kDisk, &kFree, &kLoad}) {
    if (d->name == name) return d;
  }
  return nullptr;
}

Condition parsed(std::string_view text) {
  auto r = Condition::parse(text);
  if (auto* errs = std::get_if<std::vector<ConditionError>>(&r)) {
    ADD_FAILURE() << text << ": " << errs->front().column << ": " << errs->front().message;
    return std::get<Condition>(Condition::parse("1 > 0"));
  }
  Condition c = std::get<Condition>(std::move(r));
  auto errors = c.bind(lookup);
  EXPECT_TRUE(errors.empty()) << text << ": " << (errors.empty() ? "" : errors.front().message);
  return c;
}

Labels mount(const char* m) { return {{"device", "/dev/x"}, {"fstype", "ext4"}, {"mount", m}}; }

// cpu at 0.95 for 5 s then 0.5; "/" at 0.97 and "/var" at 0.5; free bytes falling on "/".
metrics::MetricStore sampleStore() {
  metrics::MetricStore store;
  for (int i = 0; i <= 10; ++i) {
    std::vector<Sample> s = {{&kCpu, {}, i < 5 ? 0.95 : 0.5},
                             {&kDisk, mount("/"), 0.97},
                             {&kDisk, mount("/var"), 0.5},
                             {&kFree, mount("/"), 1000.0 - 100 * i},
                             {&kFree, mount("/var"), 5000.0}};
    store.append(at(std::chrono::seconds(i)), s);
  }
  return store;
}

TEST(QuantityTest, Units) {
  struct Case {
    const char* text;
    double value;
    std::optional<int64_t> ms;
  } cases[] = {{"80%", 0.8, std::nullopt},  {"0.5", 0.5, std::nullopt},
               {"5m", 300, 300000},         {"250ms", 0.25, 250},
               {"2h", 7200, 7200000},       {"10GiB", 10737418240.0, std::nullopt},
               {"1KB", 1000, std::nullopt}, {"3MiB", 3145728, std::nullopt}};
  for (const auto& c : cases) {
    std::string why;
    auto q = parseQuantity(c.text, why);
    ASSERT_TRUE(q.has_value()) << c.text << ": " << why;
    EXPECT_DOUBLE_EQ(q->value, c.value) << c.text;
    EXPECT_EQ(q->duration ? std::optional<int64_t>(q->duration->count()) : std::nullopt, c.ms)
        << c.text;
  }
  std::string why;
  EXPECT_FALSE(parseQuantity("5furlongs", why));
  EXPECT_NE(why.find("unknown unit 'furlongs'"), std::string::npos);
  EXPECT_FALSE(parseQuantity("1.5ms", why));
}

TEST(QuantityTest, ADurationTooLongToHoldIsAnErrorNotUndefinedBehaviour) {
  // Found by the condition fuzzer: 1.9e40 ms went into an int64.
  std::string why;
  EXPECT_FALSE(parseQuantity("222222222222222222222222222222222d", why));
  EXPECT_NE(why.find("longer than ten years"), std::string::npos) << why;
  EXPECT_TRUE(parseQuantity("3650d", why).has_value());
}

TEST(ConditionParseTest, ErrorsArePositioned) {
  struct Case {
    const char* text;
    int column;
    const char* message;
  } cases[] = {
      {"cpu_usage_ratio >", 18,
       "expected a metric, a number or '(' but found the end of the condition"},
      {"cpu_usage_ratio > 90% and", 26,
       "expected a metric, a number or '(' but found the end of the condition"},
      {"cpu_usage_ratio", 1, "a condition must compare something"},
      {"(cpu_usage_ratio > 1", 21, "expected ')' but found the end of the condition"},
      {"rate(cpu_usage_ratio) > 1", 21, "rate() needs a window such as 5m after the metric"},
      {"avg(cpu_usage_ratio, 5) > 1", 22, "avg(): expected a duration such as 5m, found '5'"},
      {"median(cpu_usage_ratio, 5m) > 1", 1, "unknown function 'median'"},
      {"disk_used_ratio{mount=/} > 1", 23, "label values are quoted: mount=\"...\""},
      {"disk_used_ratio{mount=\"/\" > 1", 27, "expected ',' or '}' in the label matchers"},
      {"cpu_usage_ratio => 1", 17, "'=' is not a comparison"},
      {"cpu_usage_ratio > 5parsecs", 19, "unknown unit 'parsecs'"},
      {"cpu_usage_ratio > 1 > 2", 21, "unexpected '>' after a complete condition"},
      {"(cpu_usage_ratio > 1) > 2", 23, "cannot compare the result of a comparison"},
      {"cpu_usage_ratio and load1 > 1", 1, "'and' needs a comparison on each side"},
      {"cpu_usage_ratio > 1 & load1 > 1", 21, "unexpected character '&'"},
      {"disk_used_ratio{mount=\"/} > 1", 23, "unterminated string"},
      {"", 1, "expected a metric, a number or '(' but found the end of the condition"},
      {"sum by (x (a) > 1", 11, "expected ',' or ')' in by (...), found '('"},
      {"(a > 1) + 2 > 1", 9, "'+' needs a number, not a comparison"},
      {"a{x=~\"(\"} > 1", 6, "is not a regular expression"},
      {"histogram_quantile(5m, a) > 1", 20, "needs a quantile such as 0.99 first"},
      {"histogram_quantile(0.9 a) > 1", 24, "needs buckets after the quantile"},
      {"frobnicate(a) > 1", 1, "unknown function 'frobnicate'"},
      {"a{x=~\"(b{65})*\"} > 1", 6, "a repetition count above 64"},
  };
  for (const auto& c : cases) {
    auto r = Condition::parse(c.text);
    auto* errs = std::get_if<std::vector<ConditionError>>(&r);
    ASSERT_NE(errs, nullptr) << c.text;
    EXPECT_EQ(errs->front().column, c.column) << c.text << ": " << errs->front().message;
    EXPECT_NE(errs->front().message.find(c.message), std::string::npos)
        << c.text << ": " << errs->front().message;
  }
}

TEST(ConditionBindTest, PrefixIsOptionalAndNamesAndLabelsAreChecked) {
  auto c = std::get<Condition>(Condition::parse("cpu_usage_ratio > 0.9 and novacron_load1 > 4"));
  EXPECT_TRUE(c.bind(lookup).empty());
  EXPECT_EQ(c.metrics(), (std::vector<std::string>{"novacron_cpu_usage_ratio", "novacron_load1"}));

  auto bad =
      std::get<Condition>(Condition::parse("cpu_usge_ratio > 1 or disk_used_ratio{mnt=\"/\"} > 1"));
  auto errors = bad.bind(lookup);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].column, 1);
  EXPECT_EQ(errors[0].message,
            "unknown metric 'cpu_usge_ratio' (see novacron-agent --list-metrics; an application's "
            "metric needs a collectors.scrape target whose metrics admit it)");
  EXPECT_EQ(errors[1].column, 23);
  EXPECT_EQ(errors[1].message,
            "metric novacron_disk_used_ratio has no label 'mnt' (its labels: device,fstype,mount)");
}

TEST(ConditionEvalTest, ScalarsPerLabelSetsAndWindows) {
  auto store = sampleStore();
  EvalContext ctx{store, at(10s)};
  struct Case {
    const char* text;
    Truth want;
  } cases[] = {
      {"cpu_usage_ratio > 90%", {{{}, Tri::kFalse}}},
      {"max(cpu_usage_ratio, 10s) > 90%", {{{}, Tri::kTrue}}},
      {"avg(cpu_usage_ratio, 4s) < 0.6", {{{}, Tri::kTrue}}},
      {"disk_used_ratio > 95%", {{mount("/"), Tri::kTrue}, {mount("/var"), Tri::kFalse}}},
      {"disk_used_ratio{mount=\"/var\"} > 0.4", {{mount("/var"), Tri::kTrue}}},
      {"disk_used_ratio{mount!=\"/var\"} > 0.4", {{mount("/"), Tri::kTrue}}},
      // 100 bytes a second less: in 10 s "/" reaches 0 - 100 * 10 + ... = -1000 < 0.
      {"predict_linear(disk_free_bytes, 10s, 10s) < 0",
       {{mount("/"), Tri::kTrue}, {mount("/var"), Tri::kFalse}}},
      {"rate(disk_free_bytes{mount=\"/\"}, 1m) == -100", {{mount("/"), Tri::kTrue}}},
      // A scalar condition broadcasts over the label sets of the other side.
      {"disk_used_ratio > 0.9 and cpu_usage_ratio < 0.6",
       {{mount("/"), Tri::kTrue}, {mount("/var"), Tri::kFalse}}},
      {"not disk_used_ratio > 0.9", {{mount("/"), Tri::kFalse}, {mount("/var"), Tri::kTrue}}},
      // Two vectors join on equal label sets.
      {"disk_used_ratio > 0.9 and disk_free_bytes < 1KiB",
       {{mount("/"), Tri::kTrue}, {mount("/var"), Tri::kFalse}}},
      {"1 > 0", {{{}, Tri::kTrue}}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parsed(c.text).evaluate(ctx), c.want) << c.text;
  }
}

TEST(ConditionEvalTest, MissingSeriesAreUnknownNotFalse) {
  auto store = sampleStore();
  EvalContext ctx{store, at(10s)};
  // load1 was never sampled: nothing to say about it.
  EXPECT_TRUE(parsed("load1 > 4").evaluate(ctx).empty());
  EXPECT_EQ(parsed("cpu_usage_ratio > 0.1 and load1 > 4").evaluate(ctx),
            (Truth{{{}, Tri::kUnknown}}));
  EXPECT_EQ(parsed("cpu_usage_ratio > 0.1 or load1 > 4").evaluate(ctx), (Truth{{{}, Tri::kTrue}}));
  EXPECT_EQ(parsed("cpu_usage_ratio > 0.9 and load1 > 4").evaluate(ctx),
            (Truth{{{}, Tri::kFalse}}));
  // Stale data is missing data: 60 s after the last sample, the last value is not current.
  EvalContext later{store, at(70s)};
  EXPECT_EQ(parsed("disk_used_ratio > 0.9").evaluate(later),
            (Truth{{mount("/"), Tri::kUnknown}, {mount("/var"), Tri::kUnknown}}));
  // A window with a single point has no rate.
  EXPECT_EQ(parsed("rate(disk_free_bytes{mount=\"/\"}, 1s) < 0").evaluate(ctx),
            (Truth{{mount("/"), Tri::kUnknown}}));
}

TEST(TriTest, KleeneLogic) {
  using enum Tri;
  EXPECT_EQ(triAnd(kTrue, kUnknown), kUnknown);
  EXPECT_EQ(triAnd(kFalse, kUnknown), kFalse);
  EXPECT_EQ(triOr(kTrue, kUnknown), kTrue);
  EXPECT_EQ(triOr(kFalse, kUnknown), kUnknown);
  EXPECT_EQ(triNot(kUnknown), kUnknown);
  EXPECT_EQ(triNot(kTrue), kFalse);
}

}  // namespace
}  // namespace novacron::policy
