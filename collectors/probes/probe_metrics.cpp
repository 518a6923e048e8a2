#include "collectors/probes/probe_metrics.h"

namespace novacron::collectors {
namespace {

constexpr MetricDef kUp{"novacron_probe_up", MetricType::kGauge, "probe,type",
                        "1 if the probe's last check succeeded."};
constexpr MetricDef kLatency{"novacron_probe_latency_seconds", MetricType::kGauge, "probe,type",
                             "Duration of the probe's last check, seconds."};
constexpr MetricDef kErrors{"novacron_probe_error_ratio", MetricType::kGauge, "probe,type",
                            "Share of the probe's checks that failed over its window, 0-1."};
constexpr const MetricDef* kMetrics[] = {&kUp, &kLatency, &kErrors};

}  // namespace

std::span<const MetricDef* const> probeMetrics() { return kMetrics; }

}  // namespace novacron::collectors
