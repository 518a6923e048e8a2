#pragma once

#include "base/clock.h"

namespace novacron::testing {

/// Time that moves only when a test says so.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace novacron::testing
