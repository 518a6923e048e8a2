#include "metrics/exposition.h"

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <map>

namespace novacron::agent {

std::string renderMetrics(std::span<const std::vector<collectors::Sample>* const> batches,
                          const prometheus::Registry& registry) {
  std::map<std::string_view, std::vector<const collectors::Sample*>> by_name;
  std::map<std::string_view, const collectors::MetricDef*> defs;
  for (const auto* batch : batches) {
    for (const collectors::Sample& s : *batch) {
      by_name[s.metric->name].push_back(&s);
      defs[s.metric->name] = s.metric;
    }
  }
  std::vector<prometheus::MetricFamily> families;
  families.reserve(by_name.size());
  for (const auto& [name, samples] : by_name) {
    const collectors::MetricDef& def = *defs[name];
    prometheus::MetricFamily f;
    f.name = std::string(def.name);
    f.help = std::string(def.help);
    const bool counter = def.type == collectors::MetricType::kCounter;
    f.type = counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
    f.metric.reserve(samples.size());
    for (const collectors::Sample* s : samples) {
      prometheus::ClientMetric m;
      m.label.reserve(s->labels.size());
      for (const auto& l : s->labels) m.label.push_back({l.name, l.value});
      if (counter)
        m.counter.value = s->value;
      else
        m.gauge.value = s->value;
      f.metric.push_back(std::move(m));
    }
    families.push_back(std::move(f));
  }
  for (auto& f : registry.Collect()) families.push_back(std::move(f));
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace novacron::agent
