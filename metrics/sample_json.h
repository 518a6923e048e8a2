#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "metrics/sample.h"

namespace novacron::metrics {

/// One recorded sample as a JSON line: {"ts":1767225600.5,"name":"…","labels":{…},"value":0.93},
/// `ts` in Unix seconds. The format `collectors.record` writes and `replay` reads.
std::string sampleJsonLine(TimePoint t, const metrics::Sample& s);

/// A sample read back, with its time.
struct TimedSample {
  TimePoint t;
  metrics::Sample sample;
};

/// The definitions of a recording's metric names: the catalog's, or a gauge of its own for a
/// name the catalog does not know (a recording may come from a newer agent). Each name is looked
/// up once. At most kMaxNames distinct names, so a file cannot grow it without bound.
class RecordedMetrics {
 public:
  static constexpr size_t kMaxNames = 100'000;

  explicit RecordedMetrics(metrics::MetricLookup catalog) : catalog_(std::move(catalog)) {}
  Result<const metrics::MetricDef*> find(std::string_view name);
  /// A new moment begins: the recorder writes each one's metrics in the same order as the last,
  /// so find() first tries the name at the same place in the previous moment.
  void newBatch() { position_ = 0; }

  // The last "ts" text the direct path read, and its value: the lines of a batch share it.
  std::string last_time_text;
  double last_time = 0;

 private:
  Result<const metrics::MetricDef*> lookUp(std::string_view name);
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  metrics::MetricLookup catalog_;
  std::unordered_map<std::string, const metrics::MetricDef*, Hash, std::equal_to<>> known_;
  std::deque<metrics::MetricDef> owned_;
  std::vector<const metrics::MetricDef*> order_;  // the previous moment's, bounded
  size_t position_ = 0;
};

/// Parses one line. Lines as sampleJsonLine writes them take a direct path (about ten times
/// faster); any other valid JSON object with these members is read by a general parser, which
/// also gives the reason for a line that is not valid.
Result<TimedSample> parseSampleJsonLine(std::string_view line, RecordedMetrics& metrics);

/// The general parser alone: what the direct path must agree with (tests, fuzz target).
Result<TimedSample> parseSampleJsonLineSlowly(std::string_view line, RecordedMetrics& metrics);

}  // namespace novacron::metrics
