// The policy engine's cost per cycle: 500 playbooks over 5,000 series holding 15 minutes of
// 1-second samples, and parsing plus validating 500 playbooks.
#include <benchmark/benchmark.h>

#include <deque>
#include <string>

#include "actions/registry.h"
#include "policy/evaluator.h"
#include "policy/playbook_loader.h"

namespace {

using namespace std::chrono_literals;
namespace metrics = novacron::metrics;
using novacron::Diagnostics;
namespace policy = novacron::policy;

constexpr int kMetrics = 50;     // metric names
constexpr int kInstances = 100;  // label values per metric: 5,000 series
constexpr int kPlaybooks = 500;
constexpr int kPoints = 900;  // 15 minutes at 1 s

struct World {
  std::deque<std::string> names;
  std::deque<metrics::MetricDef> defs;
  metrics::MetricStore store{{std::chrono::minutes(15), 100000, 9000}};
  novacron::TimePoint now{std::chrono::milliseconds{1'767'225'600'000}};

  World() {
    for (int m = 0; m < kMetrics; ++m) {
      names.push_back("bench_metric_" + std::to_string(m));
      defs.push_back({names.back(), metrics::MetricType::kGauge, "instance", "bench"});
    }
    std::vector<metrics::Sample> sweep;
    for (int m = 0; m < kMetrics; ++m) {
      for (int i = 0; i < kInstances; ++i)
        sweep.push_back({&defs[m], {{"instance", "i" + std::to_string(i)}}, 0});
    }
    for (int t = 0; t < kPoints; ++t) {
      for (size_t k = 0; k < sweep.size(); ++k)
        sweep[k].value = static_cast<double>((k * 7 + t) % 100) / 100.0;
      store.append(now + std::chrono::seconds(t), sweep);
    }
    now += std::chrono::seconds(kPoints - 1);
  }

  policy::MetricLookup lookup() const {
    return [this](std::string_view n) -> const metrics::MetricDef* {
      for (const auto& d : defs) {
        if (d.name == n) return &d;
      }
      return nullptr;
    };
  }
};

// Playbook i watches its own series (no two playbooks share one, so nothing is computed once
// for several) over 15 minutes, and a second series over 5.
std::string playbooksYaml() {
  std::string y;
  for (int i = 0; i < kPlaybooks; ++i) {
    int m = i % kMetrics, inst = (i / kMetrics) % kInstances;
    y += "- name: pb_" + std::to_string(i) + "\n  severity: " + std::to_string(1 + i % 4) +
         "\n  category: infrastructure\n  when: avg(bench_metric_" + std::to_string(m) +
         "{instance=\"i" + std::to_string(inst) + "\"}, 15m) > 0.9 or max(bench_metric_" +
         std::to_string((m + 1) % kMetrics) + "{instance=\"i" + std::to_string(inst) +
         "\"}, 5m) > 2\n  for: 1m\n"
         "  verify: {window: 5m, mandatory: [\"avg(bench_metric_" +
         std::to_string(m) +
         ", 5m) < 0.5\"]}\n"
         "  actions:\n    - {id: report, type: diagnostics_report, automated: true}\n"
         "    - {id: restart, type: systemd_restart, with: {unit: app.service}}\n";
  }
  return y;
}

void BM_Evaluate500Playbooks5000Series(benchmark::State& state) {
  static World world;
  Diagnostics errors;
  auto list = policy::parsePlaybooks({"bench.yaml", playbooksYaml(), false}, world.lookup(),
                                     novacron::actions::actionCatalog(), errors);
  if (!errors.empty() || list.size() != kPlaybooks) {
    state.SkipWithError(errors.empty() ? "wrong count" : errors[0].str().c_str());
    return;
  }
  auto set = std::make_shared<policy::PolicySet>();
  set->playbooks = std::move(list);
  policy::Evaluator eval(set, {});
  size_t decisions = 0;
  for (auto _ : state) decisions += eval.evaluate(world.store, world.now).size();
  state.counters["series"] = static_cast<double>(world.store.seriesCount());
  state.counters["points"] = static_cast<double>(world.store.pointCount());
  benchmark::DoNotOptimize(decisions);
}
BENCHMARK(BM_Evaluate500Playbooks5000Series)->Unit(benchmark::kMillisecond);

void BM_ParseAndValidate500Playbooks(benchmark::State& state) {
  static World world;
  std::string yaml = playbooksYaml();
  for (auto _ : state) {
    Diagnostics errors;
    auto list = policy::parsePlaybooks({"bench.yaml", yaml, false}, world.lookup(),
                                       novacron::actions::actionCatalog(), errors);
    benchmark::DoNotOptimize(list);
  }
  state.counters["bytes"] = static_cast<double>(yaml.size());
}
BENCHMARK(BM_ParseAndValidate500Playbooks)->Unit(benchmark::kMillisecond);

}  // namespace
