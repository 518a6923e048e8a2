#include "metrics/sample_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace novacron::metrics {
namespace {

using metrics::Labels;
using metrics::MetricDef;
using metrics::MetricType;

const MetricDef kLoad{"novacron_load1", MetricType::kGauge, "", "load"};
const MetricDef kDisk{"novacron_disk_used_ratio", MetricType::kGauge, "mount", "disk"};

const MetricDef* catalog(std::string_view name) {
  if (name == kLoad.name) return &kLoad;
  if (name == kDisk.name) return &kDisk;
  return nullptr;
}

void expectSame(const TimedSample& a, const TimedSample& b) {
  EXPECT_EQ(a.t, b.t);
  EXPECT_EQ(a.sample.metric->name, b.sample.metric->name);
  EXPECT_EQ(a.sample.labels, b.sample.labels);
  if (std::isnan(a.sample.value))
    EXPECT_TRUE(std::isnan(b.sample.value));
  else
    EXPECT_EQ(a.sample.value, b.sample.value);
}

TEST(SampleJsonTest, WhatTheRecorderWritesReadsBackTheSameBothWays) {
  TimePoint t{std::chrono::milliseconds{1'767'225'600'250}};
  Labels labels{{"device", "/dev/vda1"},
                {"mount",
                 "/srv/donn\xc3\xa9"
                 "es"},
                {"z", ""}};
  for (double v : {0.0, -1.5, 0.1234567890123456789, 1e300, 4.9e-324, std::nan("")}) {
    std::string line = sampleJsonLine(t, {&kDisk, labels, v});
    line.pop_back();  // the newline
    RecordedMetrics direct(catalog), general(catalog);
    auto a = parseSampleJsonLine(line, direct);
    auto b = parseSampleJsonLineSlowly(line, general);
    ASSERT_TRUE(a.has_value()) << line << ": " << a.error().message;
    ASSERT_TRUE(b.has_value()) << line;
    EXPECT_EQ(a->t, t);
    EXPECT_EQ(a->sample.metric, &kDisk);
    EXPECT_EQ(a->sample.labels, labels);
    expectSame(*a, *b);
  }
}

TEST(SampleJsonTest, OtherShapesOfValidJsonAreReadByTheGeneralParser) {
  for (std::string line : {
           R"({"ts":1,"name":"app_x","labels":{"h":"a\"b\\c\u00e9"},"value":2})",
           R"({ "ts": 1, "name": "app_x", "labels": {}, "value": 2 })",
           R"({"name":"app_x","ts":1,"value":2,"labels":{"b":"1","a":"2"}})",
           R"({"ts":1,"name":"app_x","labels":{"b":"1","a":"2"},"value":2})",  // not sorted
           R"({"ts":1,"name":"app_x","labels":{"a":"1","a":"2"},"value":2})",  // twice
           R"({"ts":1e0,"name":"app_x","value":2.0E0})",                       // no labels
       }) {
    RecordedMetrics direct(catalog), general(catalog);
    auto a = parseSampleJsonLine(line, direct);
    auto b = parseSampleJsonLineSlowly(line, general);
    ASSERT_TRUE(a.has_value()) << line << ": " << a.error().message;
    ASSERT_TRUE(b.has_value()) << line;
    expectSame(*a, *b);
  }
}

TEST(SampleJsonTest, InvalidLinesAreRefusedWithTheirReason) {
  RecordedMetrics m(catalog);
  auto refused = [&](const std::string& line) {
    auto r = parseSampleJsonLine(line, m);
    return r.has_value() ? std::string() : r.error().message;
  };
  EXPECT_EQ(refused("{\"ts\":1,\"name\":\"a\xff\",\"labels\":{},\"value\":1}"),
            "not a JSON object");  // not UTF-8
  EXPECT_EQ(refused(R"({"ts":1,"name":"a","labels":{},"value":inf})"), "not a JSON object");
  EXPECT_EQ(refused(R"({"ts":"1","name":"a","labels":{},"value":1})"),
            "\"ts\" must be Unix seconds");
  EXPECT_EQ(refused(R"({"ts":1,"name":"a","labels":{"k":1},"value":1})"),
            "label k must be a string");
  EXPECT_EQ(refused(R"({"ts":1,"name":"a","labels":{},"value":"1"})"),
            "\"value\" must be a number");
  EXPECT_EQ(refused("{\"ts\":1,\"name\":\"a\",\"labels\":{},\"value\":1}x"), "not a JSON object");
  // No time at all, on a reader whose cache of the last time is still empty (found by fuzzing).
  RecordedMetrics fresh(catalog);
  auto none = parseSampleJsonLine(R"({"ts":,"name":"a","labels":{},"value":1})", fresh);
  EXPECT_FALSE(none.has_value());
}

TEST(SampleJsonTest, NamesKeepTheirDefinitionWhateverTheirOrder) {
  RecordedMetrics m(catalog);
  auto def = [&](const std::string& ts, const std::string& name) {
    auto r = parseSampleJsonLine(
        R"({"ts":)" + ts + R"(,"name":")" + name + R"(","labels":{},"value":1})", m);
    EXPECT_TRUE(r.has_value());
    return r ? r->sample.metric : nullptr;
  };
  const MetricDef* app = def("1", "app_requests");
  EXPECT_EQ(app->name, "app_requests");
  EXPECT_EQ(app->type, MetricType::kGauge);
  EXPECT_EQ(def("1", "novacron_load1"), &kLoad);
  // The next moment in another order: each name still finds its own definition.
  EXPECT_EQ(def("2", "novacron_load1"), &kLoad);
  EXPECT_EQ(def("2", "app_requests"), app);
  EXPECT_EQ(def("2", "novacron_disk_used_ratio"), &kDisk);
  EXPECT_EQ(def("3", "app_requests"), app);
}

TEST(SampleJsonTest, DistinctNamesAreBounded) {
  RecordedMetrics m(catalog);
  for (size_t i = 0; i < RecordedMetrics::kMaxNames; ++i)
    ASSERT_TRUE(m.find("m" + std::to_string(i)).has_value());
  auto over = m.find("one_too_many");
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().message.find("distinct metric names"), std::string::npos);
  EXPECT_TRUE(m.find("m7").has_value()) << "a name already known is still found";
}

}  // namespace
}  // namespace novacron::metrics
