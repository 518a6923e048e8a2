#include "agent/api/http_metrics.h"

#include <algorithm>

namespace novacron::agent {
namespace {

using metrics::MetricDef;
using metrics::MetricType;

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

void EventMetrics::incidentTime(const std::string& kind, const std::string& playbook, int severity,
                                double seconds) {
  auto& family = kind == "detection"     ? detection_
                 : kind == "acknowledge" ? acknowledge_
                                         : resolution_;
  Histogram& h = family[{playbook, std::to_string(severity)}];
  auto bucket = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
  if (bucket != kBuckets.end()) ++h.counts[static_cast<size_t>(bucket - kBuckets.begin())];
  ++h.count;
  h.sum += seconds;
}

void EventMetrics::httpRequest(const std::string& handler, int status) {
  requests_[{std::to_string(status), handler}] += 1;
}

std::vector<metrics::RenderedFamily> EventMetrics::render() const {
  using metrics::Label;
  std::vector<metrics::RenderedFamily> out;
  auto family = [&](const MetricDef& d, const char* type) -> std::string& {
    out.push_back({std::string(d.name), {}});
    metrics::appendFamilyHeader(out.back().text, d.name, d.help, type);
    return out.back().text;
  };
  metrics::appendSample(family(kBuildInfo, "gauge"), kBuildInfo.name, {{"version", version_}}, 1);
  if (!containment_.empty())
    metrics::appendSample(family(kContainment, "gauge"), kContainment.name,
                          {{"mode", containment_}}, 1);
  std::string& requests = family(kRequests, "counter");
  for (const auto& [key, n] : requests_)
    metrics::appendSample(requests, kRequests.name, {{"code", key.first}, {"handler", key.second}},
                          n);
  // Made once per render, not once per bucket of every playbook's histogram.
  std::vector<Label> le;
  for (double b : kBuckets) le.push_back({"le", metrics::formatValue(b)});
  le.push_back({"le", "+Inf"});
  auto histograms = [&](const MetricDef& d, const std::map<Key, Histogram>& by) {
    std::string& text = family(d, "histogram");
    const std::string bucket = std::string(d.name) + "_bucket";
    const std::string sum = std::string(d.name) + "_sum";
    const std::string count = std::string(d.name) + "_count";
    for (const auto& [key, h] : by) {
      metrics::Labels labels{{"playbook", key.first}, {"severity", key.second}};
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.counts[i];
        metrics::appendSample(text, bucket, labels, static_cast<double>(cumulative), le[i]);
      }
      metrics::appendSample(text, bucket, labels, static_cast<double>(h.count), le.back());
      metrics::appendSample(text, sum, labels, h.sum);
      metrics::appendSample(text, count, labels, static_cast<double>(h.count));
    }
  };
  histograms(kDetection, detection_);
  histograms(kAcknowledge, acknowledge_);
  histograms(kResolution, resolution_);
  return out;
}

}  // namespace novacron::agent
