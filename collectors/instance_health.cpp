#include "collectors/instance_health.h"

#include <nlohmann/json.hpp>

namespace novacron::collectors {

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
