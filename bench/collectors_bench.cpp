// CPU cost of the agent's periodic work on the real /proc of this machine.
#include <benchmark/benchmark.h>

#include "agent/catalog.h"
#include "broker/task_iterator.h"
#include "collectors/collector_group.h"
#include "metrics/exposition.h"
#include "metrics/metric_store.h"

namespace {

using namespace std::chrono_literals;
using novacron::TimePoint;
namespace agent = novacron::agent;
namespace collectors = novacron::collectors;
namespace metrics = novacron::metrics;

novacron::agent::Config hostConfig() {
  auto c = novacron::agent::defaultConfig(novacron::agent::ConfigEnv::current());
  return c;
}

// One sweep of every host collector (cpu, memory, load, disk space, disk I/O, network), as the
// agent runs it each second. Process CPU time counts the statvfs worker thread too.
void BM_HostSweep(benchmark::State& state) {
  auto config = hostConfig();
  auto list =
      collectors::makeHostCollectors(config.sources.host, collectors::CollectorDeps::current());
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  size_t samples = 0;
  for (auto _ : state) {
    t += 1s;
    for (auto& c : list) {
      auto r = c->collect(t, 250ms);
      if (r) samples = r->size();
      benchmark::DoNotOptimize(r);
    }
  }
  state.counters["last_collector_samples"] = static_cast<double>(samples);
}
BENCHMARK(BM_HostSweep)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);

// The same sweep through CollectorGroup, including the store append and trim the agent does.
void BM_HostSweepIntoStore(benchmark::State& state) {
  auto config = hostConfig();
  collectors::CollectorGroup group(
      "host",
      collectors::makeHostCollectors(config.sources.host, collectors::CollectorDeps::current()));
  metrics::MetricStore store;
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  for (auto _ : state) {
    t += 1s;
    auto msgs = group.sweep(t, 250ms, store);
    store.trim(t);
    benchmark::DoNotOptimize(msgs);
  }
  state.counters["series"] = static_cast<double>(store.seriesCount());
  state.counters["points"] = static_cast<double>(store.pointCount());
}
BENCHMARK(BM_HostSweepIntoStore)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_ProcessTable(benchmark::State& state) {
  auto config = hostConfig();
  auto list = collectors::makeProcessCollectors(config.sources.processes,
                                                collectors::CollectorDeps::current());
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  for (auto _ : state) {
    t += 5s;
    // A budget that waits for the read, which runs on the collector's thread (hence the
    // process CPU time below: the thread's included).
    auto r = list[0]->collect(t, 10s);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ProcessTable)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMicrosecond);

// The same read from the BPF task iterator, loaded here as the broker loads it (root only). The
// iterator's program runs in the reader: its kernel time is this process's, as it is the agent's.
void BM_ProcessTableBpf(benchmark::State& state) {
  auto iterator = novacron::broker::TaskIterator::load();
  if (!iterator) {
    state.SkipWithError(iterator.error().message.c_str());
    return;
  }
  auto config = hostConfig();
  auto deps = collectors::CollectorDeps::current();
  deps.open_tasks = [&] { return iterator->open(); };
  auto list = collectors::makeProcessCollectors(config.sources.processes, deps);
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  for (auto _ : state) {
    t += 5s;
    auto r = list[0]->collect(t, 10s);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ProcessTableBpf)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Rendering /metrics from one full sweep's samples.
void BM_RenderMetrics(benchmark::State& state) {
  auto config = hostConfig();
  collectors::CollectorGroup group(
      "host",
      collectors::makeHostCollectors(config.sources.host, collectors::CollectorDeps::current()));
  metrics::MetricStore store;
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  group.sweep(t, 250ms, store);
  group.sweep(t + 1s, 250ms, store);
  std::vector<const std::vector<metrics::Sample>*> batches;
  for (const auto& b : group.latest()) batches.push_back(&b);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = metrics::renderMetrics(batches);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderMetrics)->Unit(benchmark::kMicrosecond);

// A 15-minute average over a full series at 1 s resolution (900 points).
void BM_WindowAvg15m(benchmark::State& state) {
  static constexpr metrics::MetricDef kDef{"bench_gauge", metrics::MetricType::kGauge, "", ""};
  metrics::MetricStore store;
  TimePoint t{std::chrono::milliseconds{1'767'225'600'000}};
  for (int i = 0; i < 900; ++i) {
    metrics::Sample s{&kDef, {}, static_cast<double>(i % 17)};
    store.append(t + std::chrono::seconds(i), std::span(&s, 1));
  }
  const metrics::Series& series = *store.find("bench_gauge", {});
  for (auto _ : state) {
    auto v = metrics::windowAvg(series, t + 899s, 15min);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_WindowAvg15m);

}  // namespace
