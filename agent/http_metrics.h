#pragma once

#include <memory>
#include <span>
#include <string>

#include "collectors/sample.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
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
  const prometheus::Registry& registry() const { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
};

/// Their descriptions, for the reference table.
std::span<const collectors::MetricDef* const> httpMetricDefs();

}  // namespace novacron::agent
