#pragma once

#include <span>

#include "metrics/sample.h"

namespace novacron::collectors {

/// The service probe metrics (collectors.probes: http, tcp, systemd), declared here so that
/// playbooks naming them are validated whether or not probes are configured.
std::span<const metrics::MetricDef* const> probeMetrics();

}  // namespace novacron::collectors
