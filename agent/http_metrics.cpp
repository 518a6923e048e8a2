#include "agent/http_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
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
constexpr const MetricDef* kDefs[] = {&kBuildInfo, &kRequests};

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
}

EventMetrics::~EventMetrics() = default;

void EventMetrics::httpRequest(const std::string& handler, int status) {
  requests_->Add({{"handler", handler}, {"code", std::to_string(status)}}).Increment();
}

}  // namespace novacron::agent
