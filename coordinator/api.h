#pragma once

#include <chrono>
#include <string>

#include "coordinator/config.h"
#include "coordinator/coordinator_metrics.h"
#include "coordinator/database.h"
#include "io/http_server.h"

namespace novacron::coordinator {

/// The coordinator's HTTP API (contract/openapi.json): POST /v1/events (a node's token), the
/// fleet view under /v1/fleet/ (a reader's token), /metrics and /healthz (no token). Every answer
/// is JSON with the contract's schema_version; every refusal names its reason in `error` and
/// is counted. Event-loop only.
class Api {
 public:
  Api(Database& db, const Config& config, CoordinatorMetrics& metrics)
      : db_(db), config_(config), metrics_(metrics) {}
  void handle(const io::HttpRequest& request, io::HttpResponder respond);

 private:
  void push(const io::HttpRequest& r, io::HttpResponder respond);
  void fleet(const io::HttpRequest& r, io::HttpResponder respond);
  void fleetRead(const io::HttpRequest& r, io::HttpResponder respond);

  Database& db_;
  const Config& config_;
  CoordinatorMetrics& metrics_;
};

/// An error answer, as the agent's /v1 gives them: {"schema_version", "error": CODE, "message"};
/// 503 and 429 say Retry-After, 401 WWW-Authenticate.
io::HttpResponse errorAnswer(int status, const std::string& code, const std::string& message);

}  // namespace novacron::coordinator
