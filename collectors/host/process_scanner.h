#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/result.h"
#include "collectors/host/processes.h"
#include "collectors/host/task_records.h"

namespace novacron::collectors {

/// Reads the process table on a thread of its own. From /proc a read costs the kernel about
/// 10 µs a process, so with tens of thousands of processes it takes hundreds of milliseconds:
/// on the event loop that would hold up the host sweep, the control socket and /metrics. A
/// BPF task iterator costs about 0.3 µs a task; when `open_tasks` is given the scanner reads
/// it. If the first stream is unavailable (no broker's iterator here: a kernel without BTF or
/// task iterators, another pid namespace, hidepid) it reads /proc for good; any other failure
/// (the iterator has served, or asking later may help) makes that one scan read /proc. Either is
/// said once in the log.
class ProcessScanner {
 public:
  using Clock = std::chrono::steady_clock;

  struct Scan {
    std::vector<ProcessInfo> procs;
    Clock::time_point at;  ///< when the read began
    std::optional<Error> error;
  };

  ProcessScanner(uint64_t page_size, double ticks_per_second, OpenTaskStream open_tasks = {});
  ~ProcessScanner();
  ProcessScanner(const ProcessScanner&) = delete;
  ProcessScanner& operator=(const ProcessScanner&) = delete;

  /// Starts a read unless one is under way.
  void request();
  /// Waits until no read is under way, or until `deadline`.
  void wait(Clock::time_point deadline);
  /// The newest read that has finished, once; nullopt if none has since the last take.
  std::optional<Scan> take();

 private:
  void loop();
  Result<void> read(std::vector<ProcessInfo>& procs);

  ProcessTable table_;
  TaskRecords records_;
  OpenTaskStream open_tasks_;  // empty once it was unavailable before it ever served
  bool served_ = false;        // the iterator has served a read
  bool failing_ = false;       // it served, then failed, and /proc stands in (said once)
  uint64_t page_size_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  bool wanted_ = false, busy_ = false, stopping_ = false;
  std::optional<Scan> done_;
  std::vector<ProcessInfo> spare_;  // a replaced read's room, for the next
  std::thread thread_;              // last: started once everything above exists
};

}  // namespace novacron::collectors
