#pragma once

#include <span>

#include "metrics/sample.h"

namespace novacron::collectors {

/// The PostgreSQL metrics playbooks can name. The postgres collector (collectors.postgres)
/// emits them; they are declared here so that playbooks are validated whether or not a
/// database is configured on this host.
std::span<const metrics::MetricDef* const> postgresMetrics();
/// One of them by its full name.
const metrics::MetricDef* postgresMetric(std::string_view name);

}  // namespace novacron::collectors
