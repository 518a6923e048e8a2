// A recording handed to `novacron-agent replay`: each line is read by a direct path for the
// recorder's own shape, falling back to a general JSON parser. Differential: whatever the
// direct path accepts, the general parser must read the same way, and a line the general parser
// accepts must never be refused.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/sample_json.h"

namespace {

const novacron::metrics::MetricDef kKnown{"novacron_load1", novacron::metrics::MetricType::kGauge,
                                          "", "known"};

const novacron::metrics::MetricDef* catalog(std::string_view name) {
  return name == kKnown.name ? &kKnown : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::metrics;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  RecordedMetrics fast_names(catalog), slow_names(catalog);
  auto fast = parseSampleJsonLine(line, fast_names);
  auto slow = parseSampleJsonLineSlowly(line, slow_names);
  if (fast.has_value() != slow.has_value()) __builtin_trap();
  if (!fast) return 0;
  const auto& a = fast->sample;
  const auto& b = slow->sample;
  if (fast->t != slow->t || a.metric->name != b.metric->name || a.labels.size() != b.labels.size())
    __builtin_trap();
  for (size_t i = 0; i < a.labels.size(); ++i)
    if (a.labels[i].name != b.labels[i].name || a.labels[i].value != b.labels[i].value)
      __builtin_trap();
  if (!(a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)))) __builtin_trap();
  return 0;
}
