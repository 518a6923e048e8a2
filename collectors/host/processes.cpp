#include "collectors/host/processes.h"

#include <libproc2/pids.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "base/text.h"
#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

constexpr MetricDef kByState{"novacron_processes", MetricType::kGauge, "state",
                             "Processes by state: running, sleeping, disk_sleep (uninterruptible), "
                             "zombie, stopped, idle, other."};
constexpr MetricDef kThreads{"novacron_threads", MetricType::kGauge, "",
                             "Threads of all processes."};
constexpr MetricDef kFds{"novacron_file_descriptors_open", MetricType::kGauge, "",
                         "File handles allocated by the kernel, system-wide (file-nr)."};
constexpr MetricDef kFdsMax{"novacron_file_descriptors_max", MetricType::kGauge, "",
                            "System-wide limit on file handles (fs.file-max)."};
constexpr MetricDef kTopCpu{"novacron_top_process_cpu_ratio", MetricType::kGauge, "name,pid,rank",
                            "The top N processes by CPU since the previous sample, in cores (1 = "
                            "one full CPU); rank 1 is the busiest."};
constexpr MetricDef kTopRss{"novacron_top_process_resident_bytes", MetricType::kGauge,
                            "name,pid,rank",
                            "The top N processes by resident memory, bytes; rank 1 is the "
                            "largest."};
constexpr const MetricDef* kMetrics[] = {&kByState, &kThreads, &kFds, &kFdsMax, &kTopCpu, &kTopRss};

const char* stateName(char s) {
  switch (s) {
    case 'R':
      return "running";
    case 'S':
      return "sleeping";
    case 'D':
      return "disk_sleep";
    case 'Z':
      return "zombie";
    case 'T':
    case 't':
      return "stopped";
    case 'I':
      return "idle";
    default:
      return "other";
  }
}

Labels topLabels(const ProcessInfo& p, size_t rank) {
  // A process picks its own name: any bytes, newlines included.
  return {
      {"name", validUtf8(p.name)}, {"pid", std::to_string(p.pid)}, {"rank", std::to_string(rank)}};
}

}  // namespace

std::vector<Sample> ProcessSummary::update(const std::vector<ProcessInfo>& procs, TimePoint now) {
  std::vector<Sample> out;
  // Every state appears, zero or not, so a series does not vanish when its count is 0.
  std::map<std::string_view, double> states = {{"running", 0}, {"sleeping", 0}, {"disk_sleep", 0},
                                               {"zombie", 0},  {"stopped", 0},  {"idle", 0},
                                               {"other", 0}};
  double threads = 0;
  for (const ProcessInfo& p : procs) {
    states[stateName(p.state)] += 1;
    threads += p.threads;
  }
  for (const auto& [state, n] : states)
    out.push_back({&kByState, {{"state", std::string(state)}}, n});
  out.push_back({&kThreads, {}, threads});

  std::vector<std::pair<double, const ProcessInfo*>> cpu;
  if (prev_time_) {
    double dt = std::chrono::duration<double>(now - *prev_time_).count();
    for (const ProcessInfo& p : procs) {
      auto it = prev_.find(p.pid);
      if (dt <= 0 || it == prev_.end() || it->second.start_ticks != p.start_ticks) continue;
      if (p.cpu_ticks < it->second.cpu_ticks) continue;
      cpu.emplace_back(static_cast<double>(p.cpu_ticks - it->second.cpu_ticks) / hz_ / dt, &p);
    }
  }
  auto byValueThenPid = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->pid < b.second->pid;
  };
  size_t n = std::min(top_, cpu.size());
  std::partial_sort(cpu.begin(), cpu.begin() + static_cast<long>(n), cpu.end(), byValueThenPid);
  for (size_t i = 0; i < n; ++i)
    out.push_back({&kTopCpu, topLabels(*cpu[i].second, i + 1), cpu[i].first});

  std::vector<std::pair<double, const ProcessInfo*>> rss;
  rss.reserve(procs.size());
  for (const ProcessInfo& p : procs) rss.emplace_back(static_cast<double>(p.rss_bytes), &p);
  n = std::min(top_, rss.size());
  std::partial_sort(rss.begin(), rss.begin() + static_cast<long>(n), rss.end(), byValueThenPid);
  for (size_t i = 0; i < n; ++i)
    out.push_back({&kTopRss, topLabels(*rss[i].second, i + 1), rss[i].first});

  prev_.clear();
  for (const ProcessInfo& p : procs) prev_[p.pid] = {p.cpu_ticks, p.start_ticks};
  prev_time_ = now;
  return out;
}

Result<FileNr> parseFileNr(std::string_view text) {
  FieldCursor f(text);
  auto allocated = f.nextU64();
  auto unused = f.nextU64();
  auto max = f.nextU64();
  if (!allocated || !unused || !max) {
    return makeError(ErrorCode::kMalformed, "file-nr: expected three numbers");
  }
  return FileNr{*allocated - std::min(*allocated, *unused), *max};
}

namespace {
enum pids_item kItems[] = {PIDS_ID_PID, PIDS_CMD,      PIDS_STATE,     PIDS_NLWP,
                           PIDS_RSS,    PIDS_TICS_ALL, PIDS_TICS_BEGAN};
enum { kPid, kCmd, kState, kNlwp, kRss, kTics, kBegan };
}  // namespace

ProcessTable::ProcessTable() {
  int rc = procps_pids_new(&info_, kItems, static_cast<int>(std::size(kItems)));
  if (rc < 0) {
    init_error_ = -rc;
    info_ = nullptr;
  }
}

ProcessTable::~ProcessTable() {
  if (info_) procps_pids_unref(&info_);
}

Result<std::vector<ProcessInfo>> ProcessTable::read(uint64_t page_size) {
  if (!info_) {
    return makeError(ErrorCode::kUnavailable,
                     std::string("libproc2 init failed: ") + std::strerror(init_error_));
  }
  pids_fetch* f = procps_pids_reap(info_, PIDS_FETCH_TASKS_ONLY);
  if (!f) return makeError(ErrorCode::kIo, std::string("libproc2 reap: ") + std::strerror(errno));
  std::vector<ProcessInfo> out;
  out.reserve(static_cast<size_t>(f->counts->total));
  for (int i = 0; i < f->counts->total; ++i) {
    pids_stack* s = f->stacks[i];
    ProcessInfo p;
    p.pid = PIDS_VAL(kPid, s_int, s, info_);
    p.name = PIDS_VAL(kCmd, str, s, info_);
    p.state = PIDS_VAL(kState, s_ch, s, info_);
    p.threads = PIDS_VAL(kNlwp, s_int, s, info_);
    p.rss_bytes = PIDS_VAL(kRss, ul_int, s, info_) * page_size;
    p.cpu_ticks = PIDS_VAL(kTics, ull_int, s, info_);
    p.start_ticks = PIDS_VAL(kBegan, ull_int, s, info_);
    out.push_back(std::move(p));
  }
  return out;
}

ProcessesCollector::ProcessesCollector(const std::filesystem::path& root, size_t top,
                                       uint64_t page_size, double ticks_per_second)
    : file_nr_(root / "proc/sys/fs/file-nr"),
      page_size_(page_size),
      summary_(top, ticks_per_second) {}

std::span<const MetricDef* const> ProcessesCollector::metrics() const { return kMetrics; }

Result<std::vector<Sample>> ProcessesCollector::collect(TimePoint now, milliseconds /*budget*/) {
  auto procs = table_.read(page_size_);
  if (!procs) return procs.error();
  std::vector<Sample> out = summary_.update(*procs, now);
  auto text = file_nr_.read();
  if (!text) return text.error();
  auto fds = parseFileNr(*text);
  if (!fds) return fds.error();
  out.push_back({&kFds, {}, static_cast<double>(fds->allocated)});
  out.push_back({&kFdsMax, {}, static_cast<double>(fds->max)});
  return out;
}

}  // namespace novacron::collectors
