#pragma once

#include <nlohmann/json.hpp>

#include <functional>

#include "agent/api/bearer_token.h"
#include "incidents/incident_commands.h"
#include "io/http_server.h"

namespace novacron::agent {

/// What the /v1 API needs from the agent.
struct ApiContext {
  BearerToken& token;
  incidents::IncidentContext incidents;
  std::function<nlohmann::json()> status;
  /// GET /v1/validate[?incident=ID] (incidents/validation_report.h).
  std::function<incidents::CommandReply(const std::optional<std::string>&)> validate;
};

/// Answers a request under /v1/ for the coordinator: status, incidents after a cursor, one
/// incident or its post-mortem draft, approvals, acknowledgements and the kill switch. Every
/// request needs the bearer token; without a token file the API is disabled (404).
io::HttpResponse handleApi(const io::HttpRequest& r, ApiContext& c);

}  // namespace novacron::agent
