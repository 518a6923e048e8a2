#pragma once

#include <cstdint>

namespace novacron::io {

/// What one action run may use (an action's `resources:`), enforced by its cgroup where the
/// controllers exist. The defaults keep two concurrent actions and the agent within the unit's
/// MemoryMax.
struct ResourceLimits {
  uint64_t memory_max = 128ull << 20;  ///< bytes
  uint64_t tasks_max = 64;
  double cpu_max = 1.0;  ///< CPUs: 1.0 is one core's worth of time, 0.5 half of one
  friend bool operator==(const ResourceLimits&, const ResourceLimits&) = default;
};

}  // namespace novacron::io
