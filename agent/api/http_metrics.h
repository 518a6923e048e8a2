#pragma once

#include <array>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "metrics/exposition.h"
#include "metrics/sample.h"

namespace novacron::agent {

/// Metrics that count events rather than sample state: HTTP requests, how incidents were
/// detected, acknowledged and resolved (histograms), the build and the containment in force.
/// Event-loop only.
class EventMetrics {
 public:
  explicit EventMetrics(std::string version) : version_(std::move(version)) {}
  /// Counts one answered HTTP request by path class and status code.
  void httpRequest(const std::string& handler, int status);
  /// Says, once at start, how action processes are contained.
  void containment(const std::string& mode) { containment_ = mode; }
  /// Records an incident duration: kind is detection, acknowledge or resolution.
  void incidentTime(const std::string& kind, const std::string& playbook, int severity,
                    double seconds);
  /// Its families, in the text format.
  std::vector<metrics::RenderedFamily> render() const;

 private:
  // From a second to a day: first responses, verification windows, and the runbook's SEV-4 day.
  static constexpr std::array<double, 13> kBuckets = {1,   5,    15,   30,   60,    120,  300,
                                                      600, 1800, 3600, 7200, 14400, 86400};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // each bucket's own, summed when rendered
    uint64_t count = 0;
    double sum = 0;
  };
  using Key = std::pair<std::string, std::string>;
  std::string version_;
  std::string containment_;
  std::map<Key, double> requests_;                                 // by (code, handler)
  std::map<Key, Histogram> detection_, acknowledge_, resolution_;  // by (playbook, severity)
};

/// Their descriptions, for the reference table.
std::span<const metrics::MetricDef* const> httpMetricDefs();

}  // namespace novacron::agent
