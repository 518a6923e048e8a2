#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "metrics/sample.h"

namespace novacron::metrics {

/// Appends every sweep's samples to a file as JSON lines (collectors.record), for `replay`.
/// Bounded: past `max_bytes` the file is renamed to FILE.1 (replacing the previous one) and a new
/// one started, so a recording never takes more than twice the bound.
class Recorder {
 public:
  Recorder(std::filesystem::path path, uint64_t max_bytes);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Appends; returns the error of a failed write (the caller logs it once).
  Result<void> append(TimePoint t, std::span<const metrics::Sample> samples);

 private:
  Result<void> open();
  std::filesystem::path path_;
  uint64_t max_bytes_;
  uint64_t size_ = 0;
  int fd_ = -1;
};

}  // namespace novacron::metrics
