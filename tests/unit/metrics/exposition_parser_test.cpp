#include "metrics/exposition_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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
                           ExpositionLimits limits = {},
                           ExpositionFormat format = ExpositionFormat::kText) {
  ExpositionParser p(limits);
  std::vector<Seen> out;
  auto st = p.parse(
      text,
      [&](const ParsedSample& s) {
        std::string labels;
        for (const auto& [k, v] : s.labels) labels += std::string(k) + "=" + std::string(v) + ";";
        out.push_back({std::string(s.name), std::string(s.family),
                       std::string(familyTypeName(s.type)), labels, s.value, s.timestamp_ms});
        return true;
      },
      format);
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
      &st, {}, ExpositionFormat::kOpenMetrics);
  // Text after # EOF is what Prometheus refuses: counted, and not read.
  EXPECT_EQ(st.bad_lines, 1u);
  EXPECT_EQ(st.first_error, "line 11: text after # EOF");
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
  // An unknown escape is kept as written, as Prometheus keeps it: that line is a sample.
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].name, "ok");
  EXPECT_EQ(got[1].name, "escape");
  EXPECT_EQ(got[1].labels, "a=\\x;");
  EXPECT_EQ(got[2].name, "ok_too");
  EXPECT_EQ(st.bad_lines, 12u);
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

// Lines from the text-format and OpenMetrics cases of Prometheus's own parser tests
// (model/textparse/promparse_test.go, openmetricsparse_test.go) and its lexers' grammar: what
// Prometheus keeps is kept with the same labels, value and timestamp, and what it refuses is
// refused.
TEST(ExpositionParserTest, KeepsAndRefusesWhatPrometheusKeepsAndRefuses) {
  struct Case {
    ExpositionFormat format;
    std::string line;
    bool kept;
    std::string labels = "";
    double value = 0;
    std::optional<int64_t> ts = std::nullopt;
  };
  const auto T = ExpositionFormat::kText;
  const auto O = ExpositionFormat::kOpenMetrics;
  const Case cases[] = {
      // The text format's lexer skips blanks between any tokens.
      {T, "metric {a=\"b\"} 1", true, "a=b;", 1},
      {T, "metric{ a = \"b\" , c=\"d\" } 2", true, "a=b;c=d;", 2},
      {T, "metric{a=\"b\"}3", true, "a=b;", 3},
      {T, "metric\t4", true, "", 4},
      // Label values: \\, \" and \n are replaced, every other escape stays as written.
      {T, "m{a=\"\\z\"} 1", true, "a=\\z;", 1},
      {T, "m{a=\"C:\\\\x\\\"q\\\"\\n\"} 1", true, "a=C:\\x\"q\"\n;", 1},
      {T, "m{a=\"\\t\\u00e9\"} 1", true, "a=\\t\\u00e9;", 1},
      // Values: Go's ParseFloat, without hexadecimal or '_'.
      {T, "m +Inf", true, "", std::numeric_limits<double>::infinity()},
      {T, "m -infinity", true, "", -std::numeric_limits<double>::infinity()},
      {T, "m 1e3", true, "", 1000},
      {T, "m .5", true, "", 0.5},
      {T, "m +7", true, "", 7},
      {T, "m 1e400", true, "", std::numeric_limits<double>::infinity()},
      {T, "m 0x10", false},
      {T, "m 1_000", false},
      {T, "m 0x1p3", false},
      {T, "m", false},
      // Text timestamps: integer milliseconds within int64, no sign, no fraction.
      {T, "m 1 1395066363000", true, "", 1, 1395066363000},
      {T, "m 1 9223372036854775807", true, "", 1, std::numeric_limits<int64_t>::max()},
      {T, "m 1 9223372036854775808", false},
      {T, "m 1 -5", false},
      {T, "m 1 1.5", false},
      {T, "m 1 2 3", false},
      // OpenMetrics: seconds as a float; any finite one is kept (saturated past int64 ms).
      {O, "m 1 1520879607.789\n# EOF", true, "", 1, 1520879607789},
      {O, "m 1 1e20\n# EOF", true, "", 1, std::numeric_limits<int64_t>::max()},
      {O, "m 1 -1e20\n# EOF", true, "", 1, std::numeric_limits<int64_t>::min()},
      {O, "m 1 NaN\n# EOF", false},
      {O, "m{a=\"\\q\"} 1\n# EOF", true, "a=\\q;", 1},
  };
  for (const auto& k : cases) {
    ExpositionStats st;
    auto got = parseAll(k.line, &st, {}, k.format);
    SCOPED_TRACE(k.line);
    if (!k.kept) {
      EXPECT_TRUE(got.empty());
      EXPECT_GE(st.bad_lines, 1u);
      continue;
    }
    ASSERT_EQ(got.size(), 1u) << st.first_error;
    EXPECT_EQ(st.bad_lines, 0u) << st.first_error;
    EXPECT_EQ(got[0].labels, k.labels);
    EXPECT_EQ(got[0].value, k.value);
    EXPECT_EQ(got[0].ts, k.ts);
  }
}

// # EOF is the end of an OpenMetrics body, and a comment in the text format: Prometheus keeps
// what follows it there. An OpenMetrics body without it is an error (its samples are kept, the
// error counted); the Content-Type chooses, as it does for Prometheus.
TEST(ExpositionParserTest, EofAndTheContentTypeDecideAsPrometheusDoes) {
  ExpositionStats st;
  auto got = parseAll("a 1\n# EOF\nb 2\n", &st);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(st.bad_lines, 0u) << st.first_error;
  got = parseAll("a 1\nb 2\n", &st, {}, ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(st.bad_lines, 1u);
  EXPECT_EQ(st.first_error, "line 3: an OpenMetrics body must end with # EOF");
  got = parseAll("a 1\n# EOF\n", &st, {}, ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(st.bad_lines, 0u) << st.first_error;
  EXPECT_EQ(formatOfContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(formatOfContentType("Application/OpenMetrics-Text"), ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(formatOfContentType("text/plain; version=0.0.4"), ExpositionFormat::kText);
  EXPECT_EQ(formatOfContentType(""), ExpositionFormat::kText);
}

}  // namespace
}  // namespace novacron::metrics
