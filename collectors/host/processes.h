#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/fd.h"
#include "base/proc_file.h"
#include "collectors/collector.h"

namespace novacron::collectors {

/// One process, from its /proc/PID/stat.
struct ProcessInfo {
  int pid = 0;
  std::string name;  ///< comm, at most 15 characters
  char state = '?';  ///< R S D Z T t I X as in /proc/PID/stat
  int threads = 0;
  uint64_t rss_bytes = 0;
  uint64_t cpu_ticks = 0;    ///< utime + stime since the process started
  uint64_t start_ticks = 0;  ///< start time after boot; tells a reused pid from the old one
};

/// Opens a stream of task records (collectors/host/task_record.h): the root broker's BPF task
/// iterator, or why not (kUnavailable: there is none here; any other code: not this time).
using OpenTaskStream = std::function<Result<Fd>()>;

/// Turns two readings of the process table into samples: counts by state, threads, top N by CPU
/// (against the previous reading, so nothing for the first) and by resident memory. Pure.
class ProcessSummary {
 public:
  ProcessSummary(size_t top, double ticks_per_second) : top_(top), hz_(ticks_per_second) {}
  std::vector<metrics::Sample> update(const std::vector<ProcessInfo>& procs, TimePoint now);
  void setTop(size_t top) { top_ = top; }

 private:
  struct Prev {
    uint64_t cpu_ticks, start_ticks;
  };
  size_t top_;
  double hz_;
  std::unordered_map<int, Prev> prev_;
  std::optional<TimePoint> prev_time_;
};

/// Parses /proc/sys/fs/file-nr: allocated, unused (always 0 since 2.6), maximum.
struct FileNr {
  uint64_t allocated = 0, max = 0;
};
Result<FileNr> parseFileNr(std::string_view text);

/// Reads the live process table: one /proc/PID/stat per process, which holds every field the
/// summary needs (libproc2 reads more files per process and links libsystemd).
class ProcessTable {
 public:
  explicit ProcessTable(std::filesystem::path proc);
  ~ProcessTable();
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;
  /// The processes of this moment, into `out` (cleared first, its capacity kept from one scan
  /// to the next). A process that exits during the scan is left out.
  Result<void> read(uint64_t page_size, std::vector<ProcessInfo>& out);

 private:
  std::filesystem::path proc_;
  int dir_ = -1;
  std::vector<char> entries_;  // getdents64 buffer, kept
};

/// Processes by state, threads, the system's open file descriptors and the top N processes by
/// CPU and by RSS. The process table is the real /proc's (the processes this agent can signal),
/// read on a ProcessScanner thread: collect() asks for a fresh read and waits for it at most its
/// budget (the agent gives none), else serves the newest finished one, so a crowded table delays
/// its figures by an interval rather than the event loop; the very first read is waited for.
/// file-nr is read from <root>. With `open_tasks` the table comes from the broker's BPF task
/// iterator while it serves (see ProcessScanner).
class ProcessesCollector final : public Collector {
 public:
  ProcessesCollector(const std::filesystem::path& root, size_t top, uint64_t page_size,
                     double ticks_per_second, OpenTaskStream open_tasks = {});
  ~ProcessesCollector() override;
  std::string_view name() const override { return "processes"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;
  void setTop(size_t top) { summary_.setTop(top); }

 private:
  ProcFile file_nr_;
  ProcessSummary summary_;
  std::vector<metrics::Sample> table_samples_;  // from the newest read summarized
  std::optional<Error> table_error_;
  bool first_ = true;
  std::unique_ptr<class ProcessScanner> scanner_;
};

}  // namespace novacron::collectors
