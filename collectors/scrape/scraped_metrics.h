#pragma once

#include <span>
#include <string_view>

#include "metrics/sample.h"

namespace novacron::collectors {

/// The agent's own metrics about its scrape targets (labels: target).
std::span<const metrics::MetricDef* const> scrapeMetrics();

/// The definition a scraped metric's samples carry: made on first use of a name and kept for
/// the life of the process (series and conditions point at it). Its labels are "*", the
/// application's. At most kMaxScrapedNames names; nullptr past that, and for a name that is not
/// a Prometheus metric name.
const metrics::MetricDef* scrapedMetric(std::string_view name);
inline constexpr size_t kMaxScrapedNames = 20000;

}  // namespace novacron::collectors
