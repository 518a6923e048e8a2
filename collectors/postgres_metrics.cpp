#include "collectors/postgres_metrics.h"

namespace novacron::collectors {
namespace {

constexpr MetricDef kUp{"novacron_pg_up", MetricType::kGauge, "instance",
                        "1 if the last PostgreSQL collection succeeded within its timeout."};
constexpr MetricDef kUsed{"novacron_pg_connections_used_ratio", MetricType::kGauge, "instance",
                          "Client connections as a share of max_connections, 0-1."};
constexpr MetricDef kLongestQuery{"novacron_pg_longest_query_seconds", MetricType::kGauge,
                                  "instance", "Age of the longest-running active query, seconds."};
constexpr MetricDef kLongQueries{"novacron_pg_long_queries", MetricType::kGauge, "instance",
                                 "Active queries running longer than long_query_threshold."};
constexpr const MetricDef* kMetrics[] = {&kUp, &kUsed, &kLongestQuery, &kLongQueries};

}  // namespace

std::span<const MetricDef* const> postgresMetrics() { return kMetrics; }

}  // namespace novacron::collectors
