#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "metrics/sample.h"

namespace novacron::agent {

/// One recorded sample as a JSON line: {"ts":1767225600.5,"name":"…","labels":{…},"value":0.93},
/// `ts` in Unix seconds. The format `collectors.record` writes and `replay` reads.
std::string sampleJsonLine(TimePoint t, const collectors::Sample& s);

/// A sample read back, with its time.
struct TimedSample {
  TimePoint t;
  collectors::Sample sample;
};

/// Parses one line. Metric names `catalog` does not know get a gauge definition owned by
/// `owned` (a recording may come from a newer agent).
Result<TimedSample> parseSampleJsonLine(std::string_view line,
                                        const collectors::MetricLookup& catalog,
                                        std::deque<collectors::MetricDef>& owned_defs,
                                        std::deque<std::string>& owned_names);

}  // namespace novacron::agent
