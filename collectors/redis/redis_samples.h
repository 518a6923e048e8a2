#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/redis/redis_info.h"
#include "metrics/sample.h"

namespace novacron::collectors {

/// The counters of the previous collection, for rates.
struct RedisCounters {
  TimePoint at{};
  double uptime = 0;
  std::map<std::string, double, std::less<>> values;
};

/// The samples of one INFO reply of instance `instance` (redis_metrics.h), with rates since
/// `previous`, which is then replaced by this collection's counters. A counter that went down
/// (a restart, CONFIG RESETSTAT) counts from zero, as Prometheus's rate does; there are no rates
/// on the first collection.
std::vector<metrics::Sample> redisSamples(const std::string& instance, const RedisInfo& info,
                                          TimePoint now, std::optional<RedisCounters>& previous);

}  // namespace novacron::collectors
