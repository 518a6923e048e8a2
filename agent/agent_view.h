#pragma once
// What the agent's front doors — the control socket's commands (control/commands.h) and the HTTP
// routes (api/routes.h) — read of the agent and ask of it, each a function: they depend on these
// answers and on nothing else of it.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "incidents/incident_commands.h"

namespace novacron::agent {

struct AgentView {
  /// The status document: `novacron status`, /v1/status.
  std::function<nlohmann::json()> status;
  /// /healthz.
  std::function<nlohmann::json()> health;
  /// /metrics, rendered once per sweep (gzipped when asked).
  std::function<const std::string&(bool gzipped)> metrics_text;
  /// `novacron metrics PATTERN`: the current values of matching series.
  std::function<nlohmann::json(const std::string& match)> metrics;
  /// `novacron playbooks`.
  std::function<nlohmann::json()> playbooks;
  /// `novacron diagnostics`: the diagnostics report now.
  std::function<nlohmann::json()> diagnostics;
  /// `novacron db|cache status`: what a source shows of itself.
  std::function<nlohmann::json(std::string_view source)> describe;
  /// `novacron validate`, /v1/validate: the recovery checklist now.
  std::function<incidents::CommandReply(const std::optional<std::string>& incident)> validate;
  /// What the commands on incidents work on.
  std::function<incidents::IncidentContext()> incidents;
  /// `novacron firewall list`: the block set as JSON text, answered later (the broker holds it).
  std::function<void(std::function<void(Result<std::string>)> answer)> blocked;
};

}  // namespace novacron::agent
