#include "metrics/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace novacron::agent {

namespace {

void appendEscaped(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ec == std::errc() ? end : buf);
}

void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  appendEscaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void appendSample(std::string& out, std::string_view name, const collectors::Labels& labels,
                  double value, const collectors::Label& extra) {
  out += name;
  if (!labels.empty() || !extra.name.empty()) {
    out += '{';
    bool first = true;
    auto label = [&](const collectors::Label& l) {
      if (!first) out += ',';
      first = false;
      out += l.name;
      out += "=\"";
      appendEscaped(out, l.value, true);
      out += '"';
    };
    for (const auto& l : labels) label(l);
    if (!extra.name.empty()) label(extra);
    out += '}';
  }
  out += ' ';
  out += formatValue(value);
  out += '\n';
}

std::string renderMetrics(std::span<const std::vector<collectors::Sample>* const> batches,
                          std::vector<RenderedFamily> others) {
  std::map<std::string_view, std::vector<const collectors::Sample*>> by_name;
  for (const auto* batch : batches)
    for (const collectors::Sample& s : *batch) by_name[s.metric->name].push_back(&s);
  std::sort(others.begin(), others.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string out;
  out.reserve(32 * 1024);
  auto other = others.begin();
  auto flushOthersBefore = [&](std::string_view name) {
    for (; other != others.end() && other->name < name; ++other) out += other->text;
  };
  for (const auto& [name, samples] : by_name) {
    flushOthersBefore(name);
    const collectors::MetricDef& def = *samples.front()->metric;
    appendFamilyHeader(out, def.name, def.help,
                       def.type == collectors::MetricType::kCounter ? "counter" : "gauge");
    for (const collectors::Sample* s : samples) appendSample(out, def.name, s->labels, s->value);
  }
  for (; other != others.end(); ++other) out += other->text;
  return out;
}

}  // namespace novacron::agent
