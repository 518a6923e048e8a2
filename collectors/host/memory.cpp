#include "collectors/host/memory.h"

#include <string>

#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kTotal{"novacron_memory_total_bytes", metrics::MetricType::kGauge, "",
                                    "Physical memory usable by the kernel (MemTotal), bytes."};
constexpr metrics::MetricDef kAvailable{
    "novacron_memory_available_bytes", metrics::MetricType::kGauge, "",
    "Memory available for new work without swapping (MemAvailable), "
    "bytes."};
constexpr metrics::MetricDef kUsed{"novacron_memory_used_ratio", metrics::MetricType::kGauge, "",
                                   "1 - MemAvailable / MemTotal, 0-1."};
constexpr metrics::MetricDef kCached{"novacron_memory_cached_bytes", metrics::MetricType::kGauge,
                                     "", "Page cache and buffers (Cached + Buffers), bytes."};
constexpr metrics::MetricDef kSwapTotal{"novacron_swap_total_bytes", metrics::MetricType::kGauge,
                                        "", "Swap space configured, bytes."};
constexpr metrics::MetricDef kSwapUsed{"novacron_swap_used_ratio", metrics::MetricType::kGauge, "",
                                       "Share of swap space in use, 0-1 (0 without swap)."};
constexpr metrics::MetricDef kFaults{
    "novacron_memory_page_faults_per_second", metrics::MetricType::kGauge, "",
    "Page faults (minor and major) per second since the previous sample."};
constexpr metrics::MetricDef kMajor{
    "novacron_memory_major_page_faults_per_second", metrics::MetricType::kGauge, "",
    "Major page faults (served from disk) per second since the previous "
    "sample."};
constexpr metrics::MetricDef kSwapIn{"novacron_swap_in_bytes_per_second",
                                     metrics::MetricType::kGauge, "",
                                     "Bytes swapped in per second since the previous sample."};
constexpr metrics::MetricDef kSwapOut{"novacron_swap_out_bytes_per_second",
                                      metrics::MetricType::kGauge, "",
                                      "Bytes swapped out per second since the previous sample."};
constexpr const metrics::MetricDef* kMetrics[] = {&kTotal,     &kAvailable, &kUsed,   &kCached,
                                                  &kSwapTotal, &kSwapUsed,  &kFaults, &kMajor,
                                                  &kSwapIn,    &kSwapOut};

}  // namespace

Result<MemInfo> parseMeminfo(std::string_view text) {
  MemInfo m;
  bool have_total = false, have_available = false, have_free = false;
  LineCursor lines(text);
  std::string_view line;
  while (lines.next(line)) {
    FieldCursor fields(line);
    std::string_view key = fields.next();
    uint64_t* dst = nullptr;
    if (key == "MemTotal:")
      dst = &m.total, have_total = true;
    else if (key == "MemAvailable:")
      dst = &m.available, have_available = true;
    else if (key == "MemFree:")
      dst = &m.free, have_free = true;
    else if (key == "Buffers:")
      dst = &m.buffers;
    else if (key == "Cached:")
      dst = &m.cached;
    else if (key == "SwapTotal:")
      dst = &m.swap_total;
    else if (key == "SwapFree:")
      dst = &m.swap_free;
    else
      continue;
    auto v = fields.nextU64();
    if (!v) {
      return makeError(ErrorCode::kMalformed, "/proc/meminfo: bad value for " + std::string(key));
    }
    std::string_view unit = fields.next();
    *dst = unit == "kB" ? *v * 1024 : *v;
  }
  if (!have_total || !have_free || m.total == 0) {
    return makeError(ErrorCode::kMalformed, "/proc/meminfo: missing MemTotal or MemFree");
  }
  if (!have_available) m.available = std::min(m.total, m.free + m.buffers + m.cached);
  return m;
}

Result<VmStat> parseVmstat(std::string_view text) {
  VmStat v;
  int found = 0;
  LineCursor lines(text);
  std::string_view line;
  while (lines.next(line)) {
    FieldCursor fields(line);
    std::string_view key = fields.next();
    uint64_t* dst = nullptr;
    if (key == "pgfault")
      dst = &v.page_faults;
    else if (key == "pgmajfault")
      dst = &v.major_page_faults;
    else if (key == "pswpin")
      dst = &v.swap_in_pages;
    else if (key == "pswpout")
      dst = &v.swap_out_pages;
    else
      continue;
    auto n = fields.nextU64();
    if (!n)
      return makeError(ErrorCode::kMalformed, "/proc/vmstat: bad value for " + std::string(key));
    *dst = *n;
    ++found;
  }
  if (found != 4) {
    return makeError(ErrorCode::kMalformed,
                     "/proc/vmstat: missing pgfault, pgmajfault, pswpin or pswpout");
  }
  return v;
}

MemoryCollector::MemoryCollector(const std::filesystem::path& root, uint64_t page_size)
    : meminfo_(root / "proc/meminfo"), vmstat_(root / "proc/vmstat"), page_size_(page_size) {}

std::span<const metrics::MetricDef* const> MemoryCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> MemoryCollector::collect(TimePoint now,
                                                              milliseconds /*budget*/) {
  auto mtext = meminfo_.read();
  if (!mtext) return mtext.error();
  auto mem = parseMeminfo(*mtext);
  if (!mem) return mem.error();
  auto vtext = vmstat_.read();
  if (!vtext) return vtext.error();
  auto vm = parseVmstat(*vtext);
  if (!vm) return vm.error();

  auto d = [](uint64_t v) { return static_cast<double>(v); };
  std::vector<metrics::Sample> out;
  out.reserve(std::size(kMetrics));
  out.push_back({&kTotal, {}, d(mem->total)});
  out.push_back({&kAvailable, {}, d(mem->available)});
  out.push_back({&kUsed, {}, 1.0 - d(mem->available) / d(mem->total)});
  out.push_back({&kCached, {}, d(mem->cached + mem->buffers)});
  out.push_back({&kSwapTotal, {}, d(mem->swap_total)});
  double swap_used = mem->swap_total > mem->swap_free ? d(mem->swap_total - mem->swap_free) : 0;
  out.push_back({&kSwapUsed, {}, mem->swap_total ? swap_used / d(mem->swap_total) : 0.0});

  double dt = std::chrono::duration<double>(now - prev_time_).count();
  if (prev_ && dt > 0) {
    auto rate = [&](const metrics::MetricDef& def, uint64_t before, uint64_t after,
                    uint64_t scale) {
      if (auto delta = counterDelta(before, after))
        out.push_back({&def, {}, d(*delta * scale) / dt});
    };
    rate(kFaults, prev_->page_faults, vm->page_faults, 1);
    rate(kMajor, prev_->major_page_faults, vm->major_page_faults, 1);
    rate(kSwapIn, prev_->swap_in_pages, vm->swap_in_pages, page_size_);
    rate(kSwapOut, prev_->swap_out_pages, vm->swap_out_pages, page_size_);
  }
  prev_ = *vm;
  prev_time_ = now;
  return out;
}

}  // namespace novacron::collectors
