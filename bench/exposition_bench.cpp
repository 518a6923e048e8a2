// Parsing what a local application serves on /metrics: 2,000 series as a typical service
// exposes them (request counters by method, code and handler; a latency histogram; gauges),
// reported as samples per second on one core.
#include <benchmark/benchmark.h>

#include <string>

#include "metrics/exposition_parser.h"

namespace {

std::string exposition() {
  std::string t =
      "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n";
  const char* methods[] = {"GET", "POST", "PUT", "DELETE"};
  const char* codes[] = {"200", "201", "400", "404", "500"};
  for (int h = 0; h < 40; ++h)
    for (const char* m : methods)
      for (const char* c : codes)
        t += "http_requests_total{method=\"" + std::string(m) + "\",code=\"" + c +
             "\",handler=\"/api/v1/resource_" + std::to_string(h) + "\"} " +
             std::to_string(1000 + h * 7) + "\n";
  t += "# HELP http_request_duration_seconds Latency.\n# TYPE http_request_duration_seconds "
       "histogram\n";
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
  for (int h = 0; h < 40; ++h) {
    std::string hl = "handler=\"/api/v1/resource_" + std::to_string(h) + "\"";
    for (const char* le : les)
      t += "http_request_duration_seconds_bucket{" + hl + ",le=\"" + le + "\"} 1.234e3\n";
    t += "http_request_duration_seconds_sum{" + hl + "} 345.6789\n";
    t += "http_request_duration_seconds_count{" + hl + "} 1234\n";
  }
  t += "# TYPE queue_depth gauge\n";
  for (int q = 0; q < 720; ++q) t += "queue_depth{queue=\"q" + std::to_string(q) + "\"} 17\n";
  return t;
}

void BM_ParseExposition(benchmark::State& state) {
  std::string text = exposition();
  novacron::metrics::ExpositionParser parser;
  size_t samples = 0;
  double sink = 0;
  for (auto _ : state) {
    auto stats = parser.parse(text, [&](const novacron::metrics::ParsedSample& s) {
      sink += s.value;
      return true;
    });
    samples += stats.samples;
    if (stats.bad_lines) state.SkipWithError(stats.first_error.c_str());
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.SetBytesProcessed(static_cast<int64_t>(text.size() * state.iterations()));
  state.counters["series"] = static_cast<double>(samples / state.iterations());
}
BENCHMARK(BM_ParseExposition)->Unit(benchmark::kMicrosecond);

}  // namespace
