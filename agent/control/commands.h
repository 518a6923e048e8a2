#pragma once
// The control socket's commands, a component of the agent: who may run each (io/control_commands.h
// says), and each run against the agent's view of itself (agent_view.h) or, for those on
// incidents, incidents::runIncidentCommand. Event-loop only.
#include <string_view>

#include "agent/agent_view.h"
#include "agent/config/config.h"
#include "agent/control/access.h"

namespace novacron::agent {

class ControlCommands {
 public:
  /// `config` is the agent's (the admin group named in a refusal), read at each command.
  ControlCommands(AgentView view, const AccessPolicy& access, const Config& config)
      : view_(std::move(view)), access_(access), config_(config) {}

  /// One request line from `peer`; the answer goes to `reply`, now or later.
  void handle(std::string_view line, const PeerCredentials& peer, ControlReply reply) const;

 private:
  AgentView view_;
  const AccessPolicy& access_;
  const Config& config_;
};

}  // namespace novacron::agent
