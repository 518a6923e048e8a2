#pragma once
// The health of one thing a source polls — a probe, a scrape target, a PostgreSQL or Redis
// instance, the systemd units — in one record, with one way to its row of the status matrix.
#include <cstdint>
#include <optional>
#include <string>

namespace novacron::collectors {

/// One row of the runbook's service status matrix.
struct SourceStatus {
  std::string name;
  std::string kind;    ///< "collector", "http probe", "postgres", "delivery", …
  std::string status;  ///< ok, degraded, down or pending
  double latency_seconds = 0;
  double error_ratio = 0;
  std::string detail;
};

struct TargetHealth {
  std::string name;
  uint64_t runs = 0;            ///< cycles finished
  uint64_t errors = 0;          ///< of which failed
  bool up = false;              ///< the last cycle succeeded
  double duration_seconds = 0;  ///< the last cycle's
  std::string last_error;       ///< why the last failure failed (kept after recovery)

  /// A cycle has finished: `error` empty when it succeeded.
  void finished(const std::string& error, double seconds);

  /// Its row: `pending` before the first cycle, `down` when the last failed, `degraded` when
  /// up but `degraded`, else `ok`. The error ratio is errors over runs unless the kind has its
  /// own (a probe's window); the detail is the last error unless the row is ok, then `ok_detail`.
  SourceStatus row(std::string kind, bool degraded = false,
                   std::optional<double> error_ratio = std::nullopt,
                   std::string ok_detail = "") const;
};

}  // namespace novacron::collectors
