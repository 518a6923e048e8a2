#pragma once

#include <array>
#include <filesystem>
#include <optional>

#include "base/proc_file.h"
#include "collectors/collector.h"

namespace novacron::collectors {

/// One line of a /proc/pressure file: the share of time some (or all non-idle) tasks were
/// stalled on a resource, averaged over 10 s, 60 s and 300 s, and the total stall time.
struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  ///< percent
  uint64_t total_us = 0;
};

/// A /proc/pressure/{cpu,memory,io} file: "some ..." and, except for cpu on older kernels,
/// "full ...".
struct Pressure {
  std::optional<PressureLine> some, full;
};

/// The metrics of PressureCollector (also where the host has no PSI: the catalog is the same
/// everywhere).
std::span<const metrics::MetricDef* const> pressureMetrics();

/// Parses the text of one /proc/pressure file.
Result<Pressure> parsePressure(std::string_view text);

/// Pressure stall information (PSI) from <root>/proc/pressure: how long tasks waited for CPU,
/// memory and I/O. The runbook's triage asks whether a slow host is starved and of what; load
/// averages mix the three, PSI tells them apart. Hosts without PSI (kernels built without it, or
/// booted with psi=0) have no <root>/proc/pressure: makeHostCollectors() leaves it out there.
class PressureCollector final : public Collector {
 public:
  explicit PressureCollector(const std::filesystem::path& root);
  std::string_view name() const override { return "pressure"; }
  std::span<const metrics::MetricDef* const> metrics() const override;
  Result<std::vector<metrics::Sample>> collect(TimePoint now, milliseconds budget) override;

 private:
  std::array<ProcFile, 3> files_;  // cpu, memory, io
};

}  // namespace novacron::collectors
