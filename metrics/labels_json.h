#pragma once

#include <nlohmann/json.hpp>

#include "metrics/sample.h"

namespace novacron::metrics {

/// A label set as a JSON object, the form it takes on the timeline, the socket and in records.
inline nlohmann::json labelsToJson(const metrics::Labels& labels) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& l : labels) j[l.name] = l.value;
  return j;
}

}  // namespace novacron::metrics
