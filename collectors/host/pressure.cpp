#include "collectors/host/pressure.h"

#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kRatio{
    "novacron_pressure_ratio", metrics::MetricType::kGauge, "resource,scope,window",
    "Share of time (0 to 1) that some (scope=some) or all non-idle (scope=full) tasks were "
    "stalled on the resource (cpu, memory, io), averaged over window (10s, 60s, 300s)."};
constexpr metrics::MetricDef kStalled{
    "novacron_pressure_stalled_seconds_total", metrics::MetricType::kCounter, "resource,scope",
    "Total time that some or all non-idle tasks were stalled on the resource, in seconds."};
constexpr const metrics::MetricDef* kMetrics[] = {&kRatio, &kStalled};
constexpr const char* kResources[] = {"cpu", "memory", "io"};

// "avg10=0.15" -> 0.15 if the key matches.
std::optional<double> valueOf(std::string_view field, std::string_view key) {
  if (!field.starts_with(key) || field.size() <= key.size() || field[key.size()] != '=')
    return std::nullopt;
  return FieldCursor::parseDouble(field.substr(key.size() + 1));
}

void append(std::vector<metrics::Sample>& out, const char* resource, const char* scope,
            const PressureLine& l) {
  const std::pair<const char*, double> windows[] = {
      {"10s", l.avg10}, {"60s", l.avg60}, {"300s", l.avg300}};
  for (const auto& [window, percent] : windows) {
    out.push_back(
        {&kRatio, {{"resource", resource}, {"scope", scope}, {"window", window}}, percent / 100.0});
  }
  out.push_back({&kStalled,
                 {{"resource", resource}, {"scope", scope}},
                 static_cast<double>(l.total_us) / 1e6});
}

}  // namespace

Result<Pressure> parsePressure(std::string_view text) {
  Pressure p;
  LineCursor lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (line.empty()) continue;
    FieldCursor f(line);
    std::string_view scope = f.next();
    PressureLine l;
    auto a10 = valueOf(f.next(), "avg10");
    auto a60 = valueOf(f.next(), "avg60");
    auto a300 = valueOf(f.next(), "avg300");
    std::string_view total = f.next();
    auto t = total.starts_with("total=") ? FieldCursor::parseU64(total.substr(6)) : std::nullopt;
    if (!a10 || !a60 || !a300 || !t || (scope != "some" && scope != "full")) {
      return makeError(ErrorCode::kMalformed, "pressure: unexpected line format");
    }
    l = {*a10, *a60, *a300, *t};
    (scope == "some" ? p.some : p.full) = l;
  }
  if (!p.some) return makeError(ErrorCode::kMalformed, "pressure: no \"some\" line");
  return p;
}

PressureCollector::PressureCollector(const std::filesystem::path& root)
    : files_{ProcFile(root / "proc/pressure/cpu"), ProcFile(root / "proc/pressure/memory"),
             ProcFile(root / "proc/pressure/io")} {}

std::span<const metrics::MetricDef* const> pressureMetrics() { return kMetrics; }

std::span<const metrics::MetricDef* const> PressureCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> PressureCollector::collect(TimePoint /*now*/,
                                                                milliseconds /*budget*/) {
  std::vector<metrics::Sample> out;
  for (size_t i = 0; i < files_.size(); ++i) {
    auto text = files_[i].read();
    if (!text) return text.error();
    auto p = parsePressure(*text);
    if (!p) return makeError(p.error().code, files_[i].path().string() + ": " + p.error().message);
    append(out, kResources[i], "some", *p->some);
    if (p->full) append(out, kResources[i], "full", *p->full);
  }
  return out;
}

}  // namespace novacron::collectors
