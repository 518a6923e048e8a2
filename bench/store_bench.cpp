// Latency of writing one timeline event durably (WAL, synchronous=FULL: one fdatasync per
// commit) on this machine's disk: p50 and p99 over the run.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "incidents/store.h"

namespace {

void BM_DurableEventWrite(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() /
             ("novacron_store_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = novacron::incidents::Store::open(dir / "agent.db");
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  novacron::incidents::IncidentRecord inc;
  inc.id = "bench-1";
  inc.playbook = "bench";
  inc.labels = "{}";
  inc.category = "infrastructure";
  inc.state = novacron::incidents::IncidentState::kOpen;
  (void)(*store)->createIncident(inc);
  std::vector<double> us;
  novacron::TimePoint t{};
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto seq = (*store)->appendEvent("bench-1", t, "action_result",
                                     R"({"action":"report","exit_code":0})");
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    benchmark::DoNotOptimize(seq);
  }
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  store->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_DurableEventWrite)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
