// The runbook's recovery criteria written as conditions over what an application serves: two
// scrapes of a service's /metrics a minute apart (tests/fixtures/exposition), read by the
// exposition parser into a metric store, then the README's examples evaluated on them.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "metrics/exposition_parser.h"
#include "policy/condition.h"
#include "tests/support/fixture.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;
using metrics::Labels;
using metrics::MetricDef;
using testing::at;

// Scraped names become metric definitions of their own, made once per name.
struct Scraped {
  std::deque<std::string> names;
  std::deque<MetricDef> defs;
  metrics::MetricStore store;

  const MetricDef* def(std::string_view name) {
    for (const auto& d : defs)
      if (d.name == name) return &d;
    names.emplace_back(name);
    defs.push_back({names.back(), metrics::MetricType::kGauge, "*", "scraped"});
    return &defs.back();
  }

  void scrape(const std::string& file, TimePoint t) {
    std::ifstream in(std::string(NOVACRON_FIXTURES_DIR) + "/exposition/" + file);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<metrics::Sample> samples;
    metrics::ExpositionParser parser;
    auto stats = parser.parse(text.str(), [&](const metrics::ParsedSample& s) {
      Labels labels{{"target", "app"}};
      for (const auto& [k, v] : s.labels) labels.push_back({std::string(k), std::string(v)});
      samples.push_back({def(s.name), std::move(labels), s.value});
      return true;
    });
    ASSERT_EQ(stats.bad_lines, 0u) << stats.first_error;
    ASSERT_GT(stats.samples, 10u);
    store.append(t, samples);
  }
};

class ApplicationConditionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.scrape("app_t0.prom", at(0s));
    app_.scrape("app_t1.prom", at(60s));
  }

  // The truth per label set, as "labels=truth" lines.
  std::string eval(std::string_view text) {
    auto parsed = Condition::parse(text);
    if (auto* errs = std::get_if<std::vector<ConditionError>>(&parsed)) {
      ADD_FAILURE() << text << ": " << errs->front().column << ": " << errs->front().message;
      return "";
    }
    Condition c = std::get<Condition>(std::move(parsed));
    auto errors = c.bind([this](std::string_view n) { return app_.def(n); });
    EXPECT_TRUE(errors.empty()) << text;
    std::string out;
    for (const auto& [labels, tri] : c.evaluate({app_.store, at(60s), 30s})) {
      for (const auto& l : labels) out += l.name + "=" + l.value + ",";
      out += std::string(triName(tri)) + ";";
    }
    return out;
  }

  Scraped app_;
};

TEST_F(ApplicationConditionsTest, ErrorRate) {
  // 25 of 10,000 requests in the minute answered 5xx: 0.25 %.
  const char* rate =
      "sum(rate(http_requests_total{code=~\"5..\"}, 5m)) / sum(rate(http_requests_total, 5m))";
  EXPECT_EQ(eval(std::string(rate) + " > 0.1%"), "true;");
  EXPECT_EQ(eval(std::string(rate) + " > 0.3%"), "false;");
  EXPECT_EQ(eval(std::string(rate) + " * 100 > 0.2499 and " + rate + " * 100 < 0.2501"), "true;");
  // Per method: POST has 20 errors in 2,420, GET 5 in 7,580.
  EXPECT_EQ(eval("sum by (method) (rate(http_requests_total{code=~\"5..\"}, 5m)) / "
                 "sum by (method) (rate(http_requests_total, 5m)) > 0.5%"),
            "method=GET,false;method=POST,true;");
  // Not 5xx: the anchored pattern does not match 404 or 1500.
  EXPECT_EQ(eval("count(http_requests_total{code!~\"5..\"}) == 3"), "true;");
}

TEST_F(ApplicationConditionsTest, P99Latency) {
  // Of the 10,000 requests of the minute 9,850 took at most 0.5 s and 9,990 at most 1 s: the
  // 9,900th lies 50/140 into that bucket, at 0.679 s.
  const char* p99 =
      "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket, 5m)))";
  EXPECT_EQ(eval(std::string(p99) + " > 500ms"), "true;");
  EXPECT_EQ(eval(std::string(p99) + " > 0.678 and " + p99 + " < 0.679"), "true;");
  // Per handler, without the sum: the handler's label set.
  EXPECT_EQ(eval("histogram_quantile(0.5, rate(http_request_duration_seconds_bucket, 5m)) < 0.1"),
            "handler=/api/orders,target=app,true;");
  // Average latency of the minute from _sum and _count: 1425.75 s over 10,000 requests.
  EXPECT_EQ(eval("rate(http_request_duration_seconds_sum, 5m) / "
                 "rate(http_request_duration_seconds_count, 5m) > 0.14"),
            "handler=/api/orders,target=app,true;");
}

TEST_F(ApplicationConditionsTest, QueueDepth) {
  EXPECT_EQ(eval("max(jobs_queue_depth) > 1000"), "true;");
  EXPECT_EQ(eval("sum(jobs_queue_depth) >= 1240 and avg(jobs_queue_depth) == 620"), "true;");
  EXPECT_EQ(eval("max by (queue) (jobs_queue_depth) > 1000"),
            "queue=billing,false;queue=email,true;");
  EXPECT_EQ(eval("jobs_queue_depth{queue=\"email\"} - last(jobs_queue_depth{queue=\"email\"}, "
                 "5m) == 0"),
            "queue=email,target=app,true;");
}

TEST_F(ApplicationConditionsTest, WhatCannotBeComputedIsUnknown) {
  // No series: the sum of nothing is unknown, not 0, so no incident opens on it.
  EXPECT_EQ(eval("sum(absent_metric) > 0"), "");
  EXPECT_EQ(eval("sum(rate(http_requests_total{code=\"418\"}, 5m)) > 0"), "");
  // 0/0 (a ratio of two rates of a quiet minute) is NaN, which no comparison holds for.
  EXPECT_EQ(eval("(sum(jobs_queue_depth) - sum(jobs_queue_depth)) / "
                 "(max(jobs_queue_depth) - max(jobs_queue_depth)) > 0"),
            "unknown;");
  EXPECT_EQ(eval("histogram_quantile(0.99, rate(jobs_queue_depth, 5m)) > 0"),
            "queue=billing,target=app,unknown;queue=email,target=app,unknown;");
}

}  // namespace
}  // namespace novacron::policy
