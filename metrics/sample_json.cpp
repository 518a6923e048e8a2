#include "metrics/sample_json.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "base/json_text.h"
#include "metrics/labels_json.h"

namespace novacron::agent {

std::string sampleJsonLine(TimePoint t, const collectors::Sample& s) {
  nlohmann::json labels = policy::labelsToJson(s.labels);
  char ts[32];
  std::snprintf(ts, sizeof(ts), "%.3f", toSeconds(t));
  char value[32];
  std::snprintf(value, sizeof(value), "%.17g", s.value);
  std::string out = "{\"ts\":";
  out += ts;
  out += ",\"name\":\"";
  out += s.metric->name;
  out += "\",\"labels\":";
  out += jsonText(labels);
  out += ",\"value\":";
  out += std::isfinite(s.value) ? value : "null";
  out += "}\n";
  return out;
}

Result<TimedSample> parseSampleJsonLine(std::string_view line,
                                        const collectors::MetricLookup& catalog,
                                        std::deque<collectors::MetricDef>& owned_defs,
                                        std::deque<std::string>& owned_names) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return makeError(ErrorCode::kMalformed, "not a JSON object");
  if (!j.contains("ts") || !j["ts"].is_number())
    return makeError(ErrorCode::kMalformed, "\"ts\" must be Unix seconds");
  if (!j.contains("name") || !j["name"].is_string())
    return makeError(ErrorCode::kMalformed, "\"name\" must be a string");
  if (!j.contains("value") || !(j["value"].is_number() || j["value"].is_null())) {
    return makeError(ErrorCode::kMalformed, "\"value\" must be a number");
  }
  collectors::Labels labels;
  if (j.contains("labels")) {
    if (!j["labels"].is_object())
      return makeError(ErrorCode::kMalformed, "\"labels\" must be an object");
    for (const auto& [k, v] : j["labels"].items()) {
      if (!v.is_string())
        return makeError(ErrorCode::kMalformed, "label " + k + " must be a string");
      labels.push_back({k, v.get<std::string>()});
    }
  }
  std::string name = j["name"];
  const collectors::MetricDef* def = catalog(name);
  if (!def) {
    for (const auto& d : owned_defs) {
      if (d.name == name) def = &d;
    }
  }
  if (!def) {
    owned_names.push_back(name);
    owned_defs.push_back({owned_names.back(), collectors::MetricType::kGauge, "", "recorded"});
    def = &owned_defs.back();
  }
  double ts = j["ts"];
  TimePoint t{milliseconds(static_cast<int64_t>(std::llround(ts * 1000)))};
  double value = j["value"].is_null() ? std::nan("") : j["value"].get<double>();
  return TimedSample{t, {def, std::move(labels), value}};
}

}  // namespace novacron::agent
