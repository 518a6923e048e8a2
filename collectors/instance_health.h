#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/source.h"
#include "collectors/target_health.h"
#include "metrics/sample.h"

namespace novacron::collectors {

/// What the status matrix and `novacron db|cache status` show of one server the agent
/// connects to (a PostgreSQL or Redis instance): its health, and its latest samples.
struct InstanceHealth : TargetHealth {
  std::vector<metrics::Sample> latest;
};

/// {name, up, error, metrics}: the latest values keyed by metric name without `prefix`, with
/// labels other than `instance` appended as {label=value}.
nlohmann::json instanceJson(const InstanceHealth& h, std::string_view prefix);

}  // namespace novacron::collectors
