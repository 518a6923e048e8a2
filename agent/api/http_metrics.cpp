#include "agent/api/http_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace novacron::agent {
namespace {

using collectors::MetricDef;
using collectors::MetricType;

constexpr MetricDef kBuildInfo{"novacron_build_info", MetricType::kGauge, "version",
                               "Always 1; the label carries the agent's version."};
constexpr MetricDef kRequests{"novacron_http_requests_total", MetricType::kCounter, "code,handler",
                              "HTTP requests answered, by handler (metrics, healthz, other) and "
                              "status code."};
constexpr MetricDef kDetection{
    "novacron_incident_detection_seconds", MetricType::kHistogram, "playbook,severity",
    "From a condition starting to hold to its incident opening, seconds (MTTD)."};
constexpr MetricDef kAcknowledge{
    "novacron_incident_acknowledge_seconds", MetricType::kHistogram, "playbook,severity",
    "From an incident opening to its acknowledgement, seconds (MTTA)."};
constexpr MetricDef kResolution{"novacron_incident_resolution_seconds", MetricType::kHistogram,
                                "playbook,severity",
                                "From an incident opening to its resolution, seconds (MTTR)."};
constexpr MetricDef kContainment{
    "novacron_action_containment", MetricType::kGauge, "mode",
    "1 for the containment of action processes in force: systemd (a cgroup per run under the "
    "unit), cgroup (a subtree the agent made) or process_group (no writable cgroup)."};
constexpr const MetricDef* kDefs[] = {&kBuildInfo,   &kRequests,   &kDetection,
                                      &kAcknowledge, &kResolution, &kContainment};

}  // namespace

std::span<const MetricDef* const> httpMetricDefs() { return kDefs; }

EventMetrics::EventMetrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name(std::string(kBuildInfo.name))
      .Help(std::string(kBuildInfo.help))
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
  requests_ = &prometheus::BuildCounter()
                   .Name(std::string(kRequests.name))
                   .Help(std::string(kRequests.help))
                   .Register(*registry_);
  auto histogram = [&](const MetricDef& d) {
    return &prometheus::BuildHistogram()
                .Name(std::string(d.name))
                .Help(std::string(d.help))
                .Register(*registry_);
  };
  detection_ = histogram(kDetection);
  acknowledge_ = histogram(kAcknowledge);
  resolution_ = histogram(kResolution);
}

EventMetrics::~EventMetrics() = default;

void EventMetrics::containment(const std::string& mode) {
  prometheus::BuildGauge()
      .Name(std::string(kContainment.name))
      .Help(std::string(kContainment.help))
      .Register(*registry_)
      .Add({{"mode", mode}})
      .Set(1);
}

void EventMetrics::incidentTime(const std::string& kind, const std::string& playbook, int severity,
                                double seconds) {
  // From a second to a day: first responses, verification windows, and the runbook's SEV-4 day.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 86400};
  auto* family = kind == "detection"     ? detection_
                 : kind == "acknowledge" ? acknowledge_
                                         : resolution_;
  family->Add({{"playbook", playbook}, {"severity", std::to_string(severity)}}, kBuckets)
      .Observe(seconds);
}

void EventMetrics::httpRequest(const std::string& handler, int status) {
  requests_->Add({{"handler", handler}, {"code", std::to_string(status)}}).Increment();
}

}  // namespace novacron::agent
