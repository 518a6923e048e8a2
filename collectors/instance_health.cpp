#include "collectors/instance_health.h"

#include <nlohmann/json.hpp>

namespace novacron::collectors {

SourceStatus instanceStatus(const InstanceHealth& h, std::string kind) {
  double err = h.runs ? static_cast<double>(h.errors) / static_cast<double>(h.runs) : 0;
  return {h.name,
          std::move(kind),
          h.runs == 0 ? "pending"
          : h.up      ? "ok"
                      : "down",
          h.last_duration_seconds,
          err,
          h.up ? "" : h.last_error};
}

nlohmann::json instanceJson(const InstanceHealth& h, std::string_view prefix) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& smp : h.latest) {
    std::string_view name = smp.metric->name;
    if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
    std::string key(name);
    for (const auto& l : smp.labels) {
      if (l.name != "instance") key += "{" + l.name + "=" + l.value + "}";
    }
    metrics[key] = smp.value;
  }
  return {
      {"name", h.name}, {"up", h.up}, {"error", h.up ? "" : h.last_error}, {"metrics", metrics}};
}

}  // namespace novacron::collectors
