#pragma once

#include <span>
#include <string>
#include <vector>

#include "metrics/sample.h"

namespace prometheus {
class Registry;
}

namespace novacron::agent {

/// Renders the Prometheus text format (0.0.4) from the latest batch of every collector plus the
/// families of a prometheus-cpp registry (event counters such as HTTP requests), through
/// prometheus-cpp's TextSerializer. Families come out sorted by name.
std::string renderMetrics(std::span<const std::vector<collectors::Sample>* const> batches,
                          const prometheus::Registry& registry);

}  // namespace novacron::agent
