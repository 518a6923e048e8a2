#include "metrics/sample_json.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/json_text.h"
#include "base/text.h"
#include "metrics/labels_json.h"

namespace novacron::metrics {

std::string sampleJsonLine(TimePoint t, const metrics::Sample& s) {
  nlohmann::json labels = metrics::labelsToJson(s.labels);
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

Result<const metrics::MetricDef*> RecordedMetrics::find(std::string_view name) {
  size_t at = position_++;
  if (at < order_.size() && order_[at]->name == name) return order_[at];
  auto def = lookUp(name);
  if (!def) return def;
  if (at < order_.size())
    order_[at] = *def;
  else if (order_.size() < kMaxNames)
    order_.push_back(*def);
  return def;
}

Result<const metrics::MetricDef*> RecordedMetrics::lookUp(std::string_view name) {
  if (auto it = known_.find(name); it != known_.end()) return it->second;
  if (known_.size() >= kMaxNames)
    return makeError(ErrorCode::kMalformed,
                     "more than " + std::to_string(kMaxNames) + " distinct metric names");
  auto [it, added] = known_.emplace(std::string(name), nullptr);
  const metrics::MetricDef* def = catalog_(name);
  if (!def) {
    // The node's key outlives the definition that views it: unordered_map nodes do not move.
    owned_.push_back({it->first, metrics::MetricType::kGauge, "", "recorded"});
    def = &owned_.back();
  }
  it->second = def;
  return def;
}

namespace {

TimePoint fromUnixSeconds(double ts) {
  return TimePoint{milliseconds(static_cast<int64_t>(std::llround(ts * 1000)))};
}

// A cursor over one line in exactly the shape sampleJsonLine writes. Anything else (escapes,
// spaces, other member order, labels not in sorted order) makes it give up, and the general
// parser takes the line.
struct Direct {
  const char* p;
  const char* end;

  bool literal(std::string_view s) {
    // Short constants: a loop the compiler unrolls beats a call to memcmp.
    if (static_cast<size_t>(end - p) < s.size()) return false;
    for (size_t i = 0; i < s.size(); ++i)
      if (p[i] != s[i]) return false;
    p += s.size();
    return true;
  }
  // A string without escapes or control characters, which is valid UTF-8 (as JSON requires).
  bool string(std::string_view& out) {
    if (p == end || *p != '"') return false;
    const char* start = p + 1;
    const auto* close = static_cast<const char*>(std::memchr(start, '"', end - start));
    if (!close) return false;
    // No early exit, so that the compiler can check many bytes at once.
    unsigned bad = 0, high = 0;
    for (const char* q = start; q != close; ++q) {
      auto c = static_cast<unsigned char>(*q);
      bad |= (c < 0x20) | (c == '\\');
      high |= c & 0x80;
    }
    if (bad) return false;
    out = std::string_view(start, static_cast<size_t>(close - start));
    p = close + 1;
    return !high || isValidUtf8(out);
  }
  // A number as JSON's grammar has it (no leading zero, digits after '.' and 'e'), then read
  // by from_chars over exactly that text.
  bool number(double& out) {
    const char* start = p;
    auto digits = [&] {
      const char* from = p;
      while (p != end && *p >= '0' && *p <= '9') ++p;
      return p != from;
    };
    if (p != end && *p == '-') ++p;
    if (p != end && *p == '0') {
      ++p;
    } else if (!digits()) {
      return false;
    }
    if (p != end && *p == '.' && (++p, !digits())) return false;
    if (p != end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p != end && (*p == '+' || *p == '-')) ++p;
      if (!digits()) return false;
    }
    auto [q, ec] = std::from_chars(start, p, out);
    return ec == std::errc() && q == p && std::isfinite(out);
  }
};

std::optional<Result<TimedSample>> parseDirectly(std::string_view line, RecordedMetrics& metrics) {
  Direct d{line.data(), line.data() + line.size()};
  std::string_view name;
  if (!d.literal("{\"ts\":")) return std::nullopt;
  // A batch's lines share their time: its text is read once.
  double ts = 0;
  std::string_view ts_text(d.p, static_cast<size_t>(d.end - d.p));
  ts_text = ts_text.substr(0, ts_text.find(','));
  // An empty text is no time, whatever the cache holds (it starts empty).
  if (ts_text.empty()) return std::nullopt;
  if (ts_text != metrics.last_time_text) metrics.newBatch();
  if (ts_text == metrics.last_time_text) {
    ts = metrics.last_time;
    d.p += ts_text.size();
  } else {
    if (!d.number(ts) || d.p != ts_text.data() + ts_text.size()) return std::nullopt;
    metrics.last_time_text.assign(ts_text);
    metrics.last_time = ts;
  }
  if (!d.literal(",\"name\":") || !d.string(name) || !d.literal(",\"labels\":{"))
    return std::nullopt;
  metrics::Labels labels;
  if (!d.literal("}")) {
    labels.reserve(4);
    for (;;) {
      std::string_view k, v;
      if (!d.string(k) || !d.literal(":") || !d.string(v)) return std::nullopt;
      // Sorted and unique, as written: the general parser's object gives this order.
      if (!labels.empty() && !(labels.back().name < k)) return std::nullopt;
      labels.push_back({std::string(k), std::string(v)});
      if (d.literal("}")) break;
      if (!d.literal(",")) return std::nullopt;
    }
  }
  double value = 0;
  if (!d.literal(",\"value\":")) return std::nullopt;
  if (!d.literal("null")) {
    if (!d.number(value)) return std::nullopt;
  } else {
    value = std::nan("");
  }
  if (!d.literal("}") || d.p != d.end) return std::nullopt;
  auto def = metrics.find(name);
  if (!def) return Result<TimedSample>(def.error());
  return Result<TimedSample>(TimedSample{fromUnixSeconds(ts), {*def, std::move(labels), value}});
}

}  // namespace

Result<TimedSample> parseSampleJsonLine(std::string_view line, RecordedMetrics& metrics) {
  if (auto direct = parseDirectly(line, metrics)) return std::move(*direct);
  return parseSampleJsonLineSlowly(line, metrics);
}

Result<TimedSample> parseSampleJsonLineSlowly(std::string_view line, RecordedMetrics& metrics) {
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
  metrics::Labels labels;
  if (j.contains("labels")) {
    if (!j["labels"].is_object())
      return makeError(ErrorCode::kMalformed, "\"labels\" must be an object");
    for (const auto& [k, v] : j["labels"].items()) {
      if (!v.is_string())
        return makeError(ErrorCode::kMalformed, "label " + k + " must be a string");
      labels.push_back({k, v.get<std::string>()});
    }
  }
  auto def = metrics.find(j["name"].get<std::string>());
  if (!def) return def.error();
  double ts = j["ts"];
  double value = j["value"].is_null() ? std::nan("") : j["value"].get<double>();
  return TimedSample{fromUnixSeconds(ts), {*def, std::move(labels), value}};
}

}  // namespace novacron::metrics
