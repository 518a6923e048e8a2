#pragma once
// The agent's side of the process table channel (broker/task_service.h): the process scanner's
// thread asks the broker for a fresh stream of the process table and waits, bounded, for the
// descriptor. A channel of its own, so that the scan never waits on the event loop nor the
// loop on the scan.
#include <chrono>
#include <cstdint>
#include <mutex>

#include "base/fd.h"
#include "base/result.h"

namespace novacron::broker {

class TaskChannel {
 public:
  explicit TaskChannel(Fd channel) : channel_(std::move(channel)) {}

  /// A stream of task records, or why not: kUnavailable where the broker cannot load the
  /// iterator (or has gone), kTimeout where asking again later may help (no answer within
  /// `timeout`, asked too soon after the last). Thread-safe.
  Result<Fd> open(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  std::mutex mu_;
  Fd channel_;
  uint32_t next_id_ = 1;
};

}  // namespace novacron::broker
