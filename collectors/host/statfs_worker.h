#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace novacron::collectors {

/// statvfs(3) or a stand-in for tests. Returns 0 or an errno value.
using StatfsFn = std::function<int(const std::string& path, struct statvfs* out)>;
StatfsFn realStatfs();

/// Runs statvfs calls on worker threads, because statvfs on a dead network mount blocks in the
/// kernel for as long as the server is gone and must never block the event loop. A path whose
/// call is still in flight is not asked again, so a hung mount holds one thread, not one per
/// sweep. When a call has waited kQueueWait for a thread (every thread is busy, likely stuck),
/// another is started, up to `max_threads`; a burst of quick calls, such as every mount at
/// start, is served by one. Stuck threads are detached at destruction and exit whenever the
/// kernel lets them go.
class StatfsWorker {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct State {
    bool in_flight = false;
    SteadyTime since{};                    ///< when the call in flight was asked for
    std::optional<struct statvfs> result;  ///< last successful answer
    int error = 0;                         ///< errno of the last answer, 0 on success
    uint64_t answers = 0;                  ///< how many answers have arrived for this path
  };

  static constexpr std::chrono::milliseconds kQueueWait{5};

  StatfsWorker(StatfsFn fn, size_t max_threads);
  ~StatfsWorker();
  StatfsWorker(const StatfsWorker&) = delete;
  StatfsWorker& operator=(const StatfsWorker&) = delete;

  /// Asks for a fresh statvfs of `path` unless one is in flight. Returns true if it was queued.
  bool request(const std::string& path);

  /// The same for several paths at once, with a single wake-up. Returns the paths queued.
  std::vector<std::string> request(const std::vector<std::string>& paths);

  /// Blocks until none of `paths` is in flight, or until `deadline`. Thread-safe.
  void waitFor(const std::vector<std::string>& paths, SteadyTime deadline);

  /// The state of `path` (default State if it was never requested).
  State state(const std::string& path) const;

  /// Threads started so far (for tests and the agent's own metrics).
  size_t threads() const;

 private:
  struct Shared;
  void maybeSpawnLocked();
  std::shared_ptr<Shared> shared_;
  size_t max_threads_;
};

}  // namespace novacron::collectors
