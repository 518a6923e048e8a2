#include "collectors/host/process_scanner.h"

#include <utility>

#include "base/log.h"

namespace novacron::collectors {

ProcessScanner::ProcessScanner(uint64_t page_size, double ticks_per_second,
                               OpenTaskStream open_tasks)
    : table_("/proc"),
      records_(page_size, ticks_per_second),
      open_tasks_(std::move(open_tasks)),
      page_size_(page_size),
      thread_([this] { loop(); }) {}

ProcessScanner::~ProcessScanner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  thread_.join();  // a read of /proc does not hang: it ends within its own time
}

void ProcessScanner::request() {
  {
    std::lock_guard lock(mu_);
    if (busy_ || wanted_) return;
    wanted_ = true;
    busy_ = true;
  }
  work_cv_.notify_one();
}

void ProcessScanner::wait(Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  done_cv_.wait_until(lock, deadline, [&] { return !busy_; });
}

std::optional<ProcessScanner::Scan> ProcessScanner::take() {
  std::lock_guard lock(mu_);
  return std::exchange(done_, std::nullopt);
}

void ProcessScanner::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || wanted_; });
    if (stopping_) return;
    wanted_ = false;
    // The room of a read that was replaced untaken. Never the untaken read's own: take() may
    // still come for it while this read runs.
    std::vector<ProcessInfo> procs = std::move(spare_);
    spare_.clear();
    lock.unlock();
    Scan scan;
    scan.at = Clock::now();
    if (auto r = read(procs); !r) scan.error = r.error();
    scan.procs = std::move(procs);
    lock.lock();
    if (done_) spare_ = std::move(done_->procs);
    done_ = std::move(scan);
    busy_ = false;
    done_cv_.notify_all();
  }
}

Result<void> ProcessScanner::read(std::vector<ProcessInfo>& procs) {
  if (open_tasks_) {
    auto stream = open_tasks_();
    Result<void> r = stream ? records_.read(stream->get(), procs) : Result<void>(stream.error());
    if (r) {
      if (!served_)
        log(LogLevel::kInfo, "the process table is read from the broker's BPF task iterator");
      served_ = true;
      failing_ = false;
      return {};
    }
    if (!served_ && r.error().code == ErrorCode::kUnavailable) {
      // No iterator here (the reason says why): /proc for good.
      log(LogLevel::kInfo, "the process table is read from /proc: " + r.error().message);
      open_tasks_ = nullptr;
    } else if (!failing_) {
      // It may serve again (it did, or asking later may help): this scan reads /proc.
      log(LogLevel::kWarning,
          "the process table is read from /proc until the BPF task iterator "
          "serves again: " +
              r.error().message);
      failing_ = true;
    }
  }
  return table_.read(page_size_, procs);
}

}  // namespace novacron::collectors
