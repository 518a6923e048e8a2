#include "collectors/host/process_scanner.h"

#include <utility>

namespace novacron::collectors {

ProcessScanner::ProcessScanner(uint64_t page_size)
    : table_("/proc"), page_size_(page_size), thread_([this] { loop(); }) {}

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
    std::vector<ProcessInfo> procs;
    if (done_) procs = std::move(done_->procs);  // an untaken read is replaced: reuse its room
    lock.unlock();
    Scan scan;
    scan.at = Clock::now();
    if (auto r = table_.read(page_size_, procs); !r) scan.error = r.error();
    scan.procs = std::move(procs);
    lock.lock();
    done_ = std::move(scan);
    busy_ = false;
    done_cv_.notify_all();
  }
}

}  // namespace novacron::collectors
