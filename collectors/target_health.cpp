#include "collectors/target_health.h"

namespace novacron::collectors {

void TargetHealth::finished(const std::string& error, double seconds) {
  ++runs;
  up = error.empty();
  duration_seconds = seconds;
  if (!up) {
    ++errors;
    last_error = error;
  }
}

SourceStatus TargetHealth::row(std::string kind, bool degraded, std::optional<double> error_ratio,
                               std::string ok_detail) const {
  double ratio =
      error_ratio.value_or(runs ? static_cast<double>(errors) / static_cast<double>(runs) : 0.0);
  std::string status = runs == 0 ? "pending" : !up ? "down" : degraded ? "degraded" : "ok";
  return {name,   std::move(kind),
          status, duration_seconds,
          ratio,  status == "ok" || status == "pending" ? std::move(ok_detail) : last_error};
}

}  // namespace novacron::collectors
