#include "collectors/host/task_records.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "collectors/host/task_record.h"

namespace novacron::collectors {

namespace {

constexpr size_t kRecord = sizeof(novacron_task);
// The kernel's state bits that /proc reports (TASK_REPORT), and two it maps before them.
constexpr uint32_t kReport = 0x7f;
constexpr uint32_t kIdle = 0x402;  // TASK_UNINTERRUPTIBLE | TASK_NOLOAD: 'I'

uint64_t saturatingAdd(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

}  // namespace

char taskStateLetter(uint32_t bits) {
  static constexpr char kLetters[] = "RSDTtXZPI";
  if ((bits & kIdle) == kIdle) return 'I';
  uint32_t report = bits & kReport;
  return kLetters[report == 0 ? 0 : std::bit_width(report)];
}

TaskRecords::TaskRecords(uint64_t page_size, double ticks_per_second)
    : page_size_(page_size),
      ns_per_tick_(std::max<uint64_t>(
          1, static_cast<uint64_t>(std::llround(1e9 / std::max(1.0, ticks_per_second))))) {
  partial_.reserve(kRecord);
}

void TaskRecords::addRecord(const char* bytes) {
  novacron_task t;
  std::memcpy(&t, bytes, kRecord);
  if (t.tgid <= 0 || t.pid <= 0) return;
  if (t.pid != t.tgid) {
    thread_cpu_.emplace_back(t.tgid, t.runtime_ns);
    return;
  }
  // The iterator walks pids upwards; a leader out of that order is not one it wrote.
  if (!leaders_.empty() && t.tgid <= leaders_.back().pid) return;
  ProcessInfo& p = leaders_.emplace_back();
  p.pid = t.tgid;
  p.name.assign(t.comm, strnlen(t.comm, sizeof t.comm));
  p.state = taskStateLetter(t.state);
  p.threads = std::max(0, t.threads);
  p.rss_bytes = t.rss_pages > UINT64_MAX / page_size_ ? UINT64_MAX : t.rss_pages * page_size_;
  p.start_ticks = t.start_ns / ns_per_tick_;
  leader_ns_.push_back(t.runtime_ns);
}

void TaskRecords::add(std::string_view bytes) {
  if (!partial_.empty()) {
    size_t take = std::min(kRecord - partial_.size(), bytes.size());
    partial_.insert(partial_.end(), bytes.begin(), bytes.begin() + static_cast<long>(take));
    bytes.remove_prefix(take);
    if (partial_.size() < kRecord) return;
    addRecord(partial_.data());
    partial_.clear();
  }
  for (; bytes.size() >= kRecord; bytes.remove_prefix(kRecord)) addRecord(bytes.data());
  partial_.assign(bytes.begin(), bytes.end());
}

Result<void> TaskRecords::finish(std::vector<ProcessInfo>& out) {
  bool cut = !partial_.empty();
  partial_.clear();
  // A thread's CPU goes to its process, found by pid in the ordered leaders; a thread whose
  // leader the walk did not meet (it exited in between) is left out with it.
  for (const auto& [tgid, ns] : thread_cpu_) {
    auto it = std::lower_bound(leaders_.begin(), leaders_.end(), tgid,
                               [](const ProcessInfo& p, int pid) { return p.pid < pid; });
    if (it == leaders_.end() || it->pid != tgid) continue;
    auto& total = leader_ns_[static_cast<size_t>(it - leaders_.begin())];
    total = saturatingAdd(total, ns);
  }
  for (size_t i = 0; i < leaders_.size(); ++i) leaders_[i].cpu_ticks = leader_ns_[i] / ns_per_tick_;
  out.clear();
  std::swap(out, leaders_);  // the caller's room is reused for the next scan
  leader_ns_.clear();
  thread_cpu_.clear();
  if (cut)
    return makeError(ErrorCode::kMalformed, "task records: the stream ended inside a record");
  return {};
}

Result<void> TaskRecords::read(int fd, std::vector<ProcessInfo>& out) {
  if (buffer_.empty()) buffer_.resize(64 * 1024);
  for (;;) {
    ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      (void)finish(out);  // forgets what was added; the caller gets no half table
      out.clear();
      return errnoError(e, "task records");
    }
    if (n == 0) return finish(out);
    add(std::string_view(buffer_.data(), static_cast<size_t>(n)));
  }
}

}  // namespace novacron::collectors
