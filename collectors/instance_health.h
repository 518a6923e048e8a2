#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/source.h"
#include "metrics/sample.h"

namespace novacron::collectors {

/// What the status matrix and `novacron db|cache status` show of one server the agent
/// connects to (a PostgreSQL or Redis instance).
struct InstanceHealth {
  std::string name;
  bool up = false;
  std::string last_error;
  double last_duration_seconds = 0;
  uint64_t runs = 0, errors = 0;
  std::vector<metrics::Sample> latest;
};

/// Its row of the status matrix: pending before the first collection, then ok or down.
SourceStatus instanceStatus(const InstanceHealth& h, std::string kind);

/// {name, up, error, metrics}: the latest values keyed by metric name without `prefix`, with
/// labels other than `instance` appended as {label=value}.
nlohmann::json instanceJson(const InstanceHealth& h, std::string_view prefix);

}  // namespace novacron::collectors
