#include "collectors/host/processes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "base/pid_stat.h"
#include "base/text.h"
#include "base/text_parse.h"
#include "collectors/host/process_scanner.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kByState{
    "novacron_processes", metrics::MetricType::kGauge, "state",
    "Processes by state: running, sleeping, disk_sleep (uninterruptible), "
    "zombie, stopped, idle, other."};
constexpr metrics::MetricDef kThreads{"novacron_threads", metrics::MetricType::kGauge, "",
                                      "Threads of all processes."};
constexpr metrics::MetricDef kFds{"novacron_file_descriptors_open", metrics::MetricType::kGauge, "",
                                  "File handles allocated by the kernel, system-wide (file-nr)."};
constexpr metrics::MetricDef kFdsMax{"novacron_file_descriptors_max", metrics::MetricType::kGauge,
                                     "", "System-wide limit on file handles (fs.file-max)."};
constexpr metrics::MetricDef kTopCpu{
    "novacron_top_process_cpu_ratio", metrics::MetricType::kGauge, "name,pid,rank",
    "The top N processes by CPU since the previous sample, in cores (1 = "
    "one full CPU); rank 1 is the busiest."};
constexpr metrics::MetricDef kTopRss{"novacron_top_process_resident_bytes",
                                     metrics::MetricType::kGauge, "name,pid,rank",
                                     "The top N processes by resident memory, bytes; rank 1 is the "
                                     "largest."};
constexpr const metrics::MetricDef* kMetrics[] = {&kByState, &kThreads, &kFds,
                                                  &kFdsMax,  &kTopCpu,  &kTopRss};

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

metrics::Labels topLabels(const ProcessInfo& p, size_t rank) {
  // A process picks its own name: any bytes, newlines included.
  return {
      {"name", validUtf8(p.name)}, {"pid", std::to_string(p.pid)}, {"rank", std::to_string(rank)}};
}

}  // namespace

std::vector<metrics::Sample> ProcessSummary::update(const std::vector<ProcessInfo>& procs,
                                                    TimePoint now) {
  std::vector<metrics::Sample> out;
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

ProcessTable::ProcessTable(std::filesystem::path proc)
    : proc_(std::move(proc)), entries_(64 * 1024) {}

ProcessTable::~ProcessTable() {
  if (dir_ >= 0) ::close(dir_);
}

Result<void> ProcessTable::read(uint64_t page_size, std::vector<ProcessInfo>& out) {
  out.clear();
  if (dir_ < 0) {
    dir_ = ::open(proc_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_ < 0) return errnoError(errno, proc_.string());
  } else if (::lseek(dir_, 0, SEEK_SET) < 0) {
    return errnoError(errno, proc_.string());
  }
  char path[32];
  char text[4096];  // a stat line is under 1 kB; its name, 64 bytes at most
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir_, entries_.data(), entries_.size());
    if (n < 0) return errnoError(errno, proc_.string());
    if (n == 0) break;
    for (long at = 0; at < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(entries_.data() + at);
      at += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] < '1' || name[0] > '9') continue;  // not a process
      size_t len = std::strlen(name);
      if (len > 10) continue;
      std::memcpy(path, name, len);
      std::memcpy(path + len, "/stat", 6);
      int fd = ::openat(dir_, path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // gone since the directory was read
      ssize_t got = ::read(fd, text, sizeof text);
      ::close(fd);
      if (got <= 0) continue;
      auto st = parsePidStat(std::string_view(text, static_cast<size_t>(got)));
      if (!st) continue;
      ProcessInfo& p = out.emplace_back();
      std::from_chars(name, name + len, p.pid);
      p.name = std::move(st->comm);
      p.state = st->state;
      p.threads = static_cast<int>(st->threads);
      p.rss_bytes = st->rss_pages * page_size;
      p.cpu_ticks = st->utime_ticks + st->stime_ticks;
      p.start_ticks = st->start_ticks;
    }
  }
  return {};
}

ProcessesCollector::ProcessesCollector(const std::filesystem::path& root, size_t top,
                                       uint64_t page_size, double ticks_per_second,
                                       OpenTaskStream open_tasks)
    : file_nr_(root / "proc/sys/fs/file-nr"),
      summary_(top, ticks_per_second),
      scanner_(
          std::make_unique<ProcessScanner>(page_size, ticks_per_second, std::move(open_tasks))) {}

ProcessesCollector::~ProcessesCollector() = default;

std::span<const metrics::MetricDef* const> ProcessesCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> ProcessesCollector::collect(TimePoint /*now*/,
                                                                 milliseconds budget) {
  auto start = ProcessScanner::Clock::now();
  scanner_->request();
  // The first read is waited for, however long: the process series exist from the start.
  scanner_->wait(first_ ? ProcessScanner::Clock::time_point::max() : start + budget);
  first_ = false;
  if (auto scan = scanner_->take()) {
    table_error_ = scan->error;
    if (!scan->error) {
      // Rates over the reads' own times, which need not be this call's.
      TimePoint at{std::chrono::duration_cast<milliseconds>(scan->at.time_since_epoch())};
      table_samples_ = summary_.update(scan->procs, at);
    }
  }
  if (table_error_) return *table_error_;
  std::vector<metrics::Sample> out = table_samples_;
  auto text = file_nr_.read();
  if (!text) return text.error();
  auto fds = parseFileNr(*text);
  if (!fds) return fds.error();
  out.push_back({&kFds, {}, static_cast<double>(fds->allocated)});
  out.push_back({&kFdsMax, {}, static_cast<double>(fds->max)});
  return out;
}

}  // namespace novacron::collectors
