#include "collectors/probes/probe_metrics.h"

namespace novacron::collectors {
namespace {

constexpr metrics::MetricDef kUp{"novacron_probe_up", metrics::MetricType::kGauge, "probe,type",
                                 "1 if the probe's last check succeeded."};
constexpr metrics::MetricDef kLatency{"novacron_probe_latency_seconds", metrics::MetricType::kGauge,
                                      "probe,type", "Duration of the probe's last check, seconds."};
constexpr metrics::MetricDef kErrors{
    "novacron_probe_error_ratio", metrics::MetricType::kGauge, "probe,type",
    "Share of the probe's checks that failed over its window, 0-1."};
constexpr const metrics::MetricDef* kMetrics[] = {&kUp, &kLatency, &kErrors};

}  // namespace

std::span<const metrics::MetricDef* const> probeMetrics() { return kMetrics; }

}  // namespace novacron::collectors
