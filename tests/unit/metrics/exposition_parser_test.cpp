#include "metrics/exposition_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace novacron::metrics {
namespace {

// A sample as the tests compare it: its name, family, type and labels flattened.
struct Seen {
  std::string name, family, type, labels;
  double value;
  std::optional<int64_t> ts;
};

std::vector<Seen> parseAll(std::string_view text, ExpositionStats* stats = nullptr,
                           ExpositionLimits limits = {}) {
  ExpositionParser p(limits);
  std::vector<Seen> out;
  auto st = p.parse(text, [&](const ParsedSample& s) {
    std::string labels;
    for (const auto& [k, v] : s.labels) labels += std::string(k) + "=" + std::string(v) + ";";
    out.push_back({std::string(s.name), std::string(s.family), std::string(familyTypeName(s.type)),
                   labels, s.value, s.timestamp_ms});
    return true;
  });
  if (stats) *stats = st;
  return out;
}

TEST(ExpositionParserTest, ReadsTheTextFormatWithFamiliesTypesAndEscapes) {
  ExpositionStats st;
  auto got = parseAll(
      "# HELP http_requests_total The total.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\",} 3\n"
      "\n"
      "# TYPE rpc_duration_seconds histogram\n"
      "rpc_duration_seconds_bucket{le=\"0.5\"} 24054\n"
      "rpc_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
      "rpc_duration_seconds_sum 53423\n"
      "rpc_duration_seconds_count 144320\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\r\n"
      "queue_depth -Inf\n"
      "odd NaN\n"
      "  metric_without_timestamp_and_labels 12.47\n",
      &st);
  EXPECT_EQ(st.bad_lines, 0u) << st.first_error;
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[0].family, "http_requests_total");
  EXPECT_EQ(got[0].type, "counter");
  EXPECT_EQ(got[0].labels, "method=post;code=200;");
  EXPECT_EQ(got[0].value, 1027);
  EXPECT_EQ(got[0].ts, 1395066363000);
  EXPECT_EQ(got[1].labels, "method=post;code=400;");
  EXPECT_EQ(got[2].family, "rpc_duration_seconds");
  EXPECT_EQ(got[2].type, "histogram");
  EXPECT_EQ(got[3].labels, "le=+Inf;");
  EXPECT_EQ(got[4].name, "rpc_duration_seconds_sum");
  EXPECT_EQ(got[4].family, "rpc_duration_seconds");
  EXPECT_EQ(got[5].family, "rpc_duration_seconds");
  EXPECT_EQ(got[6].labels, "path=C:\\DIR\\FILE.TXT;error=Cannot find file:\n\"FILE.TXT\";");
  EXPECT_DOUBLE_EQ(got[6].value, 1.458255915e9);
  EXPECT_EQ(got[6].type, "unknown");
  EXPECT_TRUE(std::isinf(got[7].value) && got[7].value < 0);
  EXPECT_TRUE(std::isnan(got[8].value));
  EXPECT_EQ(got[9].name, "metric_without_timestamp_and_labels");
  EXPECT_EQ(got[9].value, 12.47);
  EXPECT_FALSE(got[9].ts.has_value());
}

TEST(ExpositionParserTest, ReadsOpenMetricsAndStopsAtEof) {
  ExpositionStats st;
  auto got = parseAll(
      "# TYPE acme_http_router_request_seconds summary\n"
      "# UNIT acme_http_router_request_seconds seconds\n"
      "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n"
      "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0\n"
      "acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} 1605281325.0\n"
      "# TYPE foo counter\n"
      "foo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
      "# TYPE build info\n"
      "build_info{version=\"1.2\"} 1\n"
      "# EOF\n"
      "after_eof 1\n",
      &st);
  EXPECT_EQ(st.bad_lines, 0u) << st.first_error;
  EXPECT_TRUE(st.openmetrics_eof);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].family, "acme_http_router_request_seconds");
  EXPECT_EQ(got[0].type, "summary");
  EXPECT_EQ(got[2].family, "acme_http_router_request_seconds");
  EXPECT_EQ(got[3].family, "foo");
  EXPECT_EQ(got[3].type, "counter");
  EXPECT_EQ(got[3].ts, 1520879607789);
  EXPECT_EQ(got[4].family, "build");
  EXPECT_EQ(got[4].type, "info");
}

TEST(ExpositionParserTest, EveryBadLineIsSkippedCountedAndTheFirstNamed) {
  ExpositionStats st;
  std::string huge(70 * 1024, 'x');
  auto got = parseAll(std::string("ok 1\n"
                                  "9starts_with_a_digit 1\n"
                                  "no_value\n"
                                  "no_value_either{a=\"b\"}\n"
                                  "bad_value 12abc\n"
                                  "unquoted{a=b} 1\n"
                                  "unclosed{a=\"b} 1\n"
                                  "escape{a=\"\\x\"} 1\n"
                                  "repeated{a=\"1\",a=\"2\"} 1\n"
                                  "not_utf8{a=\"\xff\xfe\"} 1\n"
                                  "trailing 1 2 3\n"
                                  "bad_ts 1 soon\n"
                                  "# TYPE t nonsense\n"
                                  "long{a=\"") +
                          huge + "\"} 1\nok_too 2\n",
                      &st);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "ok");
  EXPECT_EQ(got[1].name, "ok_too");
  EXPECT_EQ(st.bad_lines, 13u);
  EXPECT_EQ(st.first_error, "line 2: a sample line must start with a metric name");
}

TEST(ExpositionParserTest, LimitsHoldAndTheCallbackCanStop) {
  ExpositionLimits limits;
  limits.max_labels = 2;
  limits.max_label_value_bytes = 4;
  ExpositionStats st;
  auto got = parseAll("a{x=\"1\",y=\"2\"} 1\nb{x=\"1\",y=\"2\",z=\"3\"} 1\nc{x=\"12345\"} 1\n", &st,
                      limits);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(st.bad_lines, 2u);
  ExpositionParser p;
  size_t calls = 0;
  st = p.parse("a 1\nb 2\nc 3\n", [&](const ParsedSample&) { return ++calls < 2; });
  EXPECT_EQ(calls, 2u);
  EXPECT_EQ(st.samples, 2u);
}

TEST(ExpositionParserTest, AFamilyIsOnlyItsTypesSuffixes) {
  auto got = parseAll(
      "# TYPE g gauge\ng_count 1\ng 2\n# TYPE h histogram\nh_total 3\nh_bucket{le=\"1\"} 4\n");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].family, "g_count");
  EXPECT_EQ(got[0].type, "unknown");
  EXPECT_EQ(got[1].type, "gauge");
  EXPECT_EQ(got[2].family, "h_total");
  EXPECT_EQ(got[3].family, "h");
  EXPECT_EQ(got[3].type, "histogram");
}

}  // namespace
}  // namespace novacron::metrics
