#include "collectors/host/disk_io.h"

#include <algorithm>
#include <system_error>

#include "base/text.h"
#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kReads{
    "novacron_disk_reads_per_second", metrics::MetricType::kGauge, "device",
    "Read requests completed per second since the previous sample."};
constexpr metrics::MetricDef kReadBytes{"novacron_disk_read_bytes_per_second",
                                        metrics::MetricType::kGauge, "device",
                                        "Bytes read per second since the previous sample."};
constexpr metrics::MetricDef kWrites{
    "novacron_disk_writes_per_second", metrics::MetricType::kGauge, "device",
    "Write requests completed per second since the previous sample."};
constexpr metrics::MetricDef kWriteBytes{"novacron_disk_written_bytes_per_second",
                                         metrics::MetricType::kGauge, "device",
                                         "Bytes written per second since the previous sample."};
constexpr metrics::MetricDef kIoTime{
    "novacron_disk_io_time_ratio", metrics::MetricType::kGauge, "device",
    "Share of time the device had I/O in flight since the previous "
    "sample, 0-1 (utilisation)."};
constexpr const metrics::MetricDef* kMetrics[] = {&kReads, &kReadBytes, &kWrites, &kWriteBytes,
                                                  &kIoTime};

// diskstats counts sectors of 512 bytes whatever the device's real sector size.
constexpr double kSectorBytes = 512;

}  // namespace

Result<std::vector<DiskCounters>> parseDiskstats(std::string_view text) {
  std::vector<DiskCounters> out;
  LineCursor lines(text);
  std::string_view line;
  int lineno = 0;
  while (lines.next(line)) {
    ++lineno;
    FieldCursor f(line);
    std::string_view major = f.next();
    if (major.empty()) continue;
    f.next();  // minor
    DiskCounters d;
    d.device = std::string(f.next());
    uint64_t cols[10];
    for (uint64_t& c : cols) {
      auto v = f.nextU64();
      if (!v || d.device.empty()) {
        return makeError(ErrorCode::kMalformed,
                         "/proc/diskstats line " + std::to_string(lineno) + ": bad counters");
      }
      c = *v;
    }
    // reads, reads merged, sectors read, ms reading, writes, writes merged, sectors written,
    // ms writing, in flight, ms doing I/O
    d.counters = {cols[0], cols[2], cols[4], cols[6], cols[9]};
    out.push_back(std::move(d));
  }
  return out;
}

DiskIoCollector::DiskIoCollector(const std::filesystem::path& root)
    : diskstats_(root / "proc/diskstats"), sys_block_(root / "sys/block") {}

std::span<const metrics::MetricDef* const> DiskIoCollector::metrics() const { return kMetrics; }

bool DiskIoCollector::wanted(const std::string& device) {
  if (device.starts_with("loop") || device.starts_with("ram")) return false;
  if (auto it = whole_disk_.find(device); it != whole_disk_.end()) return it->second;
  std::error_code ec;
  // Without /sys (a container without it) every device is reported.
  bool whole = !std::filesystem::is_directory(sys_block_, ec) ||
               std::filesystem::exists(sys_block_ / device, ec);
  whole_disk_.emplace(device, whole);
  return whole;
}

Result<std::vector<metrics::Sample>> DiskIoCollector::collect(TimePoint now,
                                                              milliseconds /*budget*/) {
  auto text = diskstats_.read();
  if (!text) return text.error();
  auto parsed = parseDiskstats(*text);
  if (!parsed) return parsed.error();
  std::vector<metrics::Sample> out;
  for (const DiskCounters& d : *parsed) {
    if (!wanted(d.device)) continue;
    auto r = history_.update(d.device, d.counters, now);
    auto emit = [&](const metrics::MetricDef& def, const std::optional<double>& v, double scale) {
      if (v) out.push_back({&def, {{"device", validUtf8(d.device)}}, *v * scale});
    };
    emit(kReads, r[DiskCounters::kReads], 1);
    emit(kReadBytes, r[DiskCounters::kSectorsRead], kSectorBytes);
    emit(kWrites, r[DiskCounters::kWrites], 1);
    emit(kWriteBytes, r[DiskCounters::kSectorsWritten], kSectorBytes);
    // io_ticks are milliseconds, so ms per second / 1000 is the busy share.
    if (auto io = r[DiskCounters::kIoMillis]) {
      out.push_back({&kIoTime, {{"device", validUtf8(d.device)}}, std::min(1.0, *io / 1000.0)});
    }
  }
  history_.prune(now);
  if (whole_disk_.size() > parsed->size()) {
    std::erase_if(whole_disk_, [&](const auto& known) {
      return std::none_of(parsed->begin(), parsed->end(),
                          [&](const DiskCounters& d) { return d.device == known.first; });
    });
  }
  return out;
}

}  // namespace novacron::collectors
