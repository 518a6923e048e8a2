#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_store.h"

namespace novacron::actions {

/// The runbook's auto-diagnostics, built from the metric store: the system now (CPU, memory,
/// swap, load, filesystems, network, top processes, database when collected), anomalies against
/// the recent baseline, trends, and recommendations derived from thresholds. No I/O: everything
/// comes from what the agent has already sampled, so the report costs microseconds and cannot
/// hang on a sick host.
nlohmann::json diagnosticsReport(const metrics::MetricStore& store, TimePoint now,
                                 const std::string& incident_id);

/// The metrics whose history the report looks at (anomalies against the baseline, trends,
/// averages); of the others it reads only the latest value.
std::vector<std::string_view> diagnosticsHistoryMetrics();

}  // namespace novacron::actions
