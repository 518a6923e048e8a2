#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace novacron::metrics {

/// kHistogram appears only in the reference table: histograms are kept by EventMetrics, not
/// sampled.
enum class MetricType { kGauge, kCounter, kHistogram };

/// Static description of one metric. Instances live in static storage for the life of the
/// program, so a `const MetricDef*` identifies a metric everywhere: in samples, in the metric
/// store, on /metrics and in the generated reference table.
struct MetricDef {
  std::string_view name;  ///< full name, `novacron_` prefix included
  MetricType type;
  std::string_view labels;  ///< comma-separated label names, for the reference docs; "*" for a
                            ///< scraped metric, whose labels are the application's
  std::string_view help;    ///< one sentence, with the unit
};

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend bool operator<(const Label& a, const Label& b) {
    return std::tie(a.name, a.value) < std::tie(b.name, b.value);
  }
};

/// What the metric catalog knows: a metric by its full name, or nullptr.
using MetricLookup = std::function<const MetricDef*(std::string_view full_name)>;

/// Sorted by name; names are unique.
using Labels = std::vector<Label>;

/// One observation of one series, without its time: the sweep that produced it stamps the time.
struct Sample {
  const MetricDef* metric;
  Labels labels;
  double value;
};

}  // namespace novacron::metrics
