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

namespace novacron::collectors {

/// Reads the process table on a thread of its own. A read costs the kernel about 10 µs a
/// process, so with tens of thousands of processes it takes hundreds of milliseconds: on the
/// event loop that would hold up the host sweep, the control socket and /metrics.
class ProcessScanner {
 public:
  using Clock = std::chrono::steady_clock;

  struct Scan {
    std::vector<ProcessInfo> procs;
    Clock::time_point at;  ///< when the read began
    std::optional<Error> error;
  };

  explicit ProcessScanner(uint64_t page_size);
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

  ProcessTable table_;
  uint64_t page_size_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  bool wanted_ = false, busy_ = false, stopping_ = false;
  std::optional<Scan> done_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace novacron::collectors
