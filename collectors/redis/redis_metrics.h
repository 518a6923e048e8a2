#pragma once

#include <span>

#include "metrics/sample.h"

namespace novacron::collectors {

/// The Redis metrics playbooks can name, declared whether or not an instance is configured
/// (collectors.redis), so that playbooks are validated the same on every host.
std::span<const metrics::MetricDef* const> redisMetrics();
/// One of them by its full name; aborts on a name that is not one (a programming error).
const metrics::MetricDef* redisMetric(std::string_view name);

}  // namespace novacron::collectors
