#include "collectors/host/cpu.h"

#include <string>

#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kUsage{
    "novacron_cpu_usage_ratio", metrics::MetricType::kGauge, "",
    "Share of all CPU time spent busy (not idle, not iowait) since the "
    "previous sample, 0-1."};
constexpr metrics::MetricDef kMode{
    "novacron_cpu_mode_ratio", metrics::MetricType::kGauge, "mode",
    "Share of all CPU time spent in each mode (user, nice, system, idle, "
    "iowait, irq, softirq, steal) since the previous sample, 0-1."};
constexpr metrics::MetricDef kCore{
    "novacron_cpu_core_usage_ratio", metrics::MetricType::kGauge, "cpu",
    "Share of one online CPU's time spent busy since the previous sample, "
    "0-1."};
constexpr metrics::MetricDef kOnline{"novacron_cpu_online_cores", metrics::MetricType::kGauge, "",
                                     "Number of online CPUs."};
constexpr metrics::MetricDef kCtxt{"novacron_cpu_context_switches_per_second",
                                   metrics::MetricType::kGauge, "",
                                   "Context switches per second since the previous sample."};
constexpr metrics::MetricDef kIntr{"novacron_cpu_interrupts_per_second",
                                   metrics::MetricType::kGauge, "",
                                   "Interrupts serviced per second since the previous sample."};
constexpr metrics::MetricDef kForks{
    "novacron_cpu_forks_per_second", metrics::MetricType::kGauge, "",
    "Processes and threads created per second since the previous sample."};
constexpr const metrics::MetricDef* kMetrics[] = {&kUsage, &kMode, &kCore, &kOnline,
                                                  &kCtxt,  &kIntr, &kForks};

constexpr std::string_view kModeNames[CpuTicks::kModes] = {"user",   "nice", "system",  "idle",
                                                           "iowait", "irq",  "softirq", "steal"};

bool parseCpuLine(FieldCursor& fields, CpuTicks& out) {
  // Kernels before 2.6.11 print fewer columns; missing ones stay 0, but the first four exist.
  for (int i = 0; i < CpuTicks::kModes; ++i) {
    std::string_view f = fields.next();
    if (f.empty()) return i >= 4;
    auto v = FieldCursor::parseU64(f);
    if (!v) return false;
    out.ticks[i] = *v;
  }
  return true;
}

// Per-mode deltas, clamped at zero: the kernel documents that iowait can go down.
std::optional<std::array<double, CpuTicks::kModes>> modeDeltas(const CpuTicks& prev,
                                                               const CpuTicks& cur) {
  std::array<double, CpuTicks::kModes> d{};
  double total = 0;
  for (int i = 0; i < CpuTicks::kModes; ++i) {
    d[i] = cur.ticks[i] > prev.ticks[i] ? static_cast<double>(cur.ticks[i] - prev.ticks[i]) : 0;
    total += d[i];
  }
  if (total <= 0) return std::nullopt;
  for (double& v : d) v /= total;
  return d;
}

double busyShare(const std::array<double, CpuTicks::kModes>& shares) {
  return 1.0 - shares[CpuTicks::kIdle] - shares[CpuTicks::kIowait];
}

}  // namespace

uint64_t CpuTicks::total() const {
  uint64_t t = 0;
  for (uint64_t v : ticks) t += v;
  return t;
}

Result<ProcStat> parseProcStat(std::string_view text) {
  ProcStat st;
  bool have_all = false, have_ctxt = false, have_intr = false, have_forks = false;
  LineCursor lines(text);
  std::string_view line;
  int lineno = 0;
  while (lines.next(line)) {
    ++lineno;
    FieldCursor fields(line);
    std::string_view key = fields.next();
    auto bad = [&] {
      return makeError(ErrorCode::kMalformed,
                       "/proc/stat line " + std::to_string(lineno) + ": bad " + std::string(key));
    };
    if (key == "cpu") {
      if (!parseCpuLine(fields, st.all)) return bad();
      have_all = true;
    } else if (key.starts_with("cpu")) {
      auto idx = FieldCursor::parseU64(key.substr(3));
      CpuTicks t;
      if (!idx || !parseCpuLine(fields, t)) return bad();
      st.cores[static_cast<int>(*idx)] = t;
    } else if (key == "ctxt" || key == "intr" || key == "processes") {
      auto v = fields.nextU64();
      if (!v) return bad();
      if (key == "ctxt") st.context_switches = *v, have_ctxt = true;
      if (key == "intr") st.interrupts = *v, have_intr = true;
      if (key == "processes") st.forks = *v, have_forks = true;
    }
  }
  if (!have_all || !have_ctxt || !have_intr || !have_forks) {
    return makeError(ErrorCode::kMalformed, "/proc/stat: missing cpu, ctxt, intr or processes");
  }
  return st;
}

CpuCollector::CpuCollector(const std::filesystem::path& root) : stat_(root / "proc/stat") {}

std::span<const metrics::MetricDef* const> CpuCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> CpuCollector::collect(TimePoint now, milliseconds /*budget*/) {
  auto text = stat_.read();
  if (!text) return text.error();
  auto parsed = parseProcStat(*text);
  if (!parsed) return parsed.error();
  ProcStat& cur = *parsed;

  std::vector<metrics::Sample> out;
  out.reserve(16 + cur.cores.size());
  out.push_back({&kOnline, {}, static_cast<double>(cur.cores.size())});
  if (prev_) {
    if (auto shares = modeDeltas(prev_->all, cur.all)) {
      out.push_back({&kUsage, {}, busyShare(*shares)});
      for (int i = 0; i < CpuTicks::kModes; ++i) {
        out.push_back({&kMode, {{"mode", std::string(kModeNames[i])}}, (*shares)[i]});
      }
    }
    for (const auto& [idx, ticks] : cur.cores) {
      // A CPU that was offline in the previous sample has no baseline yet.
      auto p = prev_->cores.find(idx);
      if (p == prev_->cores.end()) continue;
      if (auto shares = modeDeltas(p->second, ticks)) {
        out.push_back({&kCore, {{"cpu", std::to_string(idx)}}, busyShare(*shares)});
      }
    }
    double dt = std::chrono::duration<double>(now - prev_time_).count();
    if (dt > 0) {
      auto rate = [&](const metrics::MetricDef& def, uint64_t before, uint64_t after) {
        if (auto d = counterDelta(before, after)) out.push_back({&def, {}, *d / dt});
      };
      rate(kCtxt, prev_->context_switches, cur.context_switches);
      rate(kIntr, prev_->interrupts, cur.interrupts);
      rate(kForks, prev_->forks, cur.forks);
    }
  }
  prev_ = std::move(cur);
  prev_time_ = now;
  return out;
}

}  // namespace novacron::collectors
