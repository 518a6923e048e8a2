#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/sample.h"

namespace novacron::metrics {

/// One family already in the text format (its HELP, TYPE and sample lines), with its name.
struct RenderedFamily {
  std::string name;
  std::string text;
};

/// The Prometheus text format (0.0.4), written directly: HELP and TYPE lines, then samples.
/// HELP text and label values are escaped as the format says (\\, \" and \n); values are the
/// shortest text that reads back as the same double (1, 0.25, 1e-05), NaN, +Inf, -Inf.
void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type);
/// One sample line; `extra` is a last label (a histogram's `le`) when its name is not empty.
void appendSample(std::string& out, std::string_view name, const metrics::Labels& labels,
                  double value, const metrics::Label& extra = {});
std::string formatValue(double value);

/// The Markdown reference table of these metrics (| metric | type | labels | meaning |), for the
/// README and --list-metrics.
std::string metricReferenceTable(std::span<const metrics::MetricDef* const> defs);

/// Renders /metrics from the latest batch of every collector plus families rendered elsewhere
/// (the agent's event counters and histograms). Families come out sorted by name.
std::string renderMetrics(std::span<const std::vector<metrics::Sample>* const> batches,
                          std::vector<RenderedFamily> others = {});

}  // namespace novacron::metrics
