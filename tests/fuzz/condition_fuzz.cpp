// The condition parser and binder, and an evaluation against a small store.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "agent/catalog.h"
#include "metrics/metric_store.h"
#include "policy/condition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = policy::Condition::parse(text);
  auto* c = std::get_if<policy::Condition>(&parsed);
  if (!c) return 0;
  if (!c->bind([](std::string_view n) { return agent::findMetric(n); }).empty()) return 0;
  static metrics::MetricStore store = [] {
    metrics::MetricStore s;
    TimePoint t{std::chrono::milliseconds(1'767'225'600'000)};
    for (int i = 0; i < 60; ++i) {
      std::vector<metrics::Sample> batch = {
          {agent::findMetric("novacron_cpu_usage_ratio"), {}, 0.5 + 0.01 * i},
          {agent::findMetric("novacron_disk_used_ratio"),
           {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mount", "/"}},
           0.9}};
      s.append(t + std::chrono::seconds(i), batch);
    }
    return s;
  }();
  policy::EvalContext ctx{store, TimePoint{std::chrono::milliseconds(1'767'225'660'000)}};
  (void)c->evaluate(ctx);
  (void)c->metrics();
  (void)c->maxWindow();
  return 0;
}
