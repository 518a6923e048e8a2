#pragma once
// The broker's side of the process table channel: a second SOCK_SEQPACKET channel, apart from
// the one of runs, on which the agent's process scanner thread asks, blocking, for a fresh
// stream of the process table (kOpenTasks) and gets a BPF task iterator's descriptor, or why
// there is none. The iterator is loaded at the first request, so an agent that never asks
// costs the broker nothing.
#include <chrono>
#include <memory>
#include <optional>

#include "base/fd.h"
#include "base/result.h"
#include "broker/task_iterator.h"

namespace boost::asio {
class io_context;
}

namespace novacron::broker {

class TaskService {
 public:
  /// A request sooner than `min_spacing` after the last one is refused: the agent scans every
  /// few seconds, and each stream walks every task of the host.
  TaskService(boost::asio::io_context& io, Fd channel,
              std::chrono::milliseconds min_spacing = std::chrono::milliseconds(100));
  ~TaskService();
  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  /// Serves requests on the loop until stop() or the agent closes its end.
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace novacron::broker
