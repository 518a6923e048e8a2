#pragma once
// The HTTP routes, a component of the agent: /metrics, /healthz, /v1/* (http_api.cpp, routed by
// the command table) and the index, against the agent's view of itself (agent_view.h). Every
// request is counted by handler and status. Event-loop only.
#include "agent/agent_view.h"
#include "agent/api/bearer_token.h"
#include "agent/api/http_metrics.h"
#include "io/http_server.h"

namespace novacron::agent {

class HttpRoutes {
 public:
  HttpRoutes(AgentView view, BearerToken& token, EventMetrics& events)
      : view_(std::move(view)), token_(token), events_(events) {}

  io::HttpResponse handle(const io::HttpRequest& r) const;

 private:
  AgentView view_;
  BearerToken& token_;
  EventMetrics& events_;
};

}  // namespace novacron::agent
