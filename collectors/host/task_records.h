#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "collectors/host/processes.h"

namespace novacron::collectors {

/// The letter /proc/PID/stat shows for a task's state bits (__state | exit_state), as the
/// kernel's task_state_index() picks it: R S D T t X Z P I.
char taskStateLetter(uint32_t bits);

/// Reads the stream of a BPF task iterator (one 64-byte novacron_task record a thread,
/// collectors/host/task_record.h) into processes, as ProcessTable reads /proc: one per thread
/// group, with its threads' CPU time added to it. The bytes come from the kernel through the
/// root broker, and are still checked as if they did not: a record that makes no sense is left
/// out, and a stream cut inside a record is refused.
class TaskRecords {
 public:
  TaskRecords(uint64_t page_size, double ticks_per_second);

  /// Adds the records in `bytes`, which may begin or end inside one.
  void add(std::string_view bytes);
  /// The processes of the records added since the last finish, in pid order, into `out`
  /// (cleared first, its capacity kept). Refused (kMalformed) if a record was left unfinished.
  Result<void> finish(std::vector<ProcessInfo>& out);
  /// Reads `fd` to its end, then finish().
  Result<void> read(int fd, std::vector<ProcessInfo>& out);

 private:
  void addRecord(const char* bytes);

  uint64_t page_size_;
  uint64_t ns_per_tick_;
  std::vector<ProcessInfo> leaders_;                  // in the stream's (pid) order
  std::vector<std::pair<int, uint64_t>> thread_cpu_;  // tgid, ns of its other threads
  std::vector<uint64_t> leader_ns_;                   // beside leaders_
  std::vector<char> partial_;                         // a record split across add() calls
  std::vector<char> buffer_;                          // read()'s, kept
};

}  // namespace novacron::collectors
