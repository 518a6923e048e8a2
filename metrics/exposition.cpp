#include "metrics/exposition.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace novacron::metrics {

namespace {

// Escapes in runs: the text between two characters to escape goes in at once (HELP texts are
// long and have none). A plain loop: find_first_of calls memchr once per character.
void appendEscaped(std::string& out, std::string_view s, bool quotes) {
  size_t from = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' && c != '\n' && (c != '"' || !quotes)) continue;
    out.append(s.data() + from, i - from);
    out += c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\";
    from = i + 1;
  }
  out.append(s.data() + from, s.size() - from);
}

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, ec == std::errc() ? end : buf);
  }
}

}  // namespace

std::string formatValue(double value) {
  std::string out;
  appendValue(out, value);
  return out;
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

void appendSample(std::string& out, std::string_view name, const metrics::Labels& labels,
                  double value, const metrics::Label& extra) {
  out += name;
  if (!labels.empty() || !extra.name.empty()) {
    out += '{';
    bool first = true;
    auto label = [&](const metrics::Label& l) {
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
  appendValue(out, value);
  out += '\n';
}

std::string renderMetrics(std::span<const std::vector<metrics::Sample>* const> batches,
                          std::vector<RenderedFamily> others) {
  // One vector sorted by name, stably so that a family keeps its collector's order.
  std::vector<const metrics::Sample*> samples;
  for (const auto* batch : batches)
    for (const metrics::Sample& s : *batch) samples.push_back(&s);
  std::stable_sort(samples.begin(), samples.end(),
                   [](const auto* a, const auto* b) { return a->metric->name < b->metric->name; });
  std::sort(others.begin(), others.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string out;
  out.reserve(32 * 1024);
  auto other = others.begin();
  auto flushOthersBefore = [&](std::string_view name) {
    for (; other != others.end() && other->name < name; ++other) out += other->text;
  };
  for (size_t i = 0; i < samples.size(); ++i) {
    const metrics::MetricDef& def = *samples[i]->metric;
    if (i == 0 || samples[i - 1]->metric->name != def.name) {
      flushOthersBefore(def.name);
      appendFamilyHeader(out, def.name, def.help,
                         def.type == metrics::MetricType::kCounter ? "counter" : "gauge");
    }
    appendSample(out, def.name, samples[i]->labels, samples[i]->value);
  }
  for (; other != others.end(); ++other) out += other->text;
  return out;
}

std::string metricReferenceTable(std::span<const MetricDef* const> defs) {
  std::string out = "| metric | type | labels | meaning |\n|---|---|---|---|\n";
  for (const MetricDef* m : defs) {
    std::string labels;
    for (char c : m->labels) labels += c == ',' ? std::string(", ") : std::string(1, c);
    out += "| `" + std::string(m->name) + "` | " +
           (m->type == MetricType::kCounter     ? "counter"
            : m->type == MetricType::kHistogram ? "histogram"
                                                : "gauge") +
           " | " + labels + " | " + std::string(m->help) + " |\n";
  }
  return out;
}

}  // namespace novacron::metrics
