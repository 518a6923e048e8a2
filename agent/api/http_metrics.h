#pragma once

#include <memory>
#include <span>
#include <string>

#include "metrics/sample.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
class Gauge;
}  // namespace prometheus

namespace novacron::agent {

/// Metrics that count events rather than sample state, kept in a prometheus-cpp registry.
class EventMetrics {
 public:
  explicit EventMetrics(const std::string& version);
  ~EventMetrics();
  /// Counts one answered HTTP request by path class and status code.
  void httpRequest(const std::string& handler, int status);
  /// Says, once at start, how action processes are contained.
  void containment(const std::string& mode);
  /// Records an incident duration: kind is detection, acknowledge or resolution.
  void incidentTime(const std::string& kind, const std::string& playbook, int severity,
                    double seconds);
  const prometheus::Registry& registry() const { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* detection_;
  prometheus::Family<prometheus::Histogram>* acknowledge_;
  prometheus::Family<prometheus::Histogram>* resolution_;
};

/// Their descriptions, for the reference table.
std::span<const collectors::MetricDef* const> httpMetricDefs();

}  // namespace novacron::agent
