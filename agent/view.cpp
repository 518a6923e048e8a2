// The agent's view of itself for its front doors (agent_view.h): each answer, from its state.
#include "agent/agent_impl.h"

namespace novacron::agent {

AgentView Agent::Impl::view() {
  AgentView v;
  v.status = [this] { return statusJson(); };
  v.health = [this] { return healthJson(); };
  v.metrics_text = [this](bool gzipped) -> const std::string& { return metricsText(gzipped); };
  v.metrics = [this](const std::string& match) { return metricsJson(match); };
  v.playbooks = [this] { return playbooksJson(); };
  v.diagnostics = [this] { return actions::diagnosticsReport(store, clock.now(), ""); };
  v.describe = [this](std::string_view source) { return sources.describe(source); };
  v.validate = [this](const std::optional<std::string>& id) { return validate(id); };
  v.incidents = [this] { return incidentContext(); };
  v.blocked = [this](std::function<void(Result<std::string>)> answer) {
    listBlocked(std::move(answer));
  };
  return v;
}

void Agent::Impl::listBlocked(std::function<void(Result<std::string>)> answer) {
  if (broker) return broker->listBlocked(std::move(answer));
  // Without a broker the agent is not root: nftables answers only if it was given CAP_NET_ADMIN.
  auto fw = io::Firewall::open();
  if (!fw) {
    return answer(makeError(
        fw.error().code, fw.error().message + " (no broker: the agent was not started as root)"));
  }
  auto list = fw->list();
  if (!list) return answer(list.error());
  answer(io::blockedJson(*list));
}

incidents::IncidentContext Agent::Impl::incidentContext() {
  return {incident_store.get(), manager.get(), clock, config.node_id, store_error, &evaluator};
}

incidents::CommandReply Agent::Impl::validate(const std::optional<std::string>& id) {
  return incidents::validateRecovery(incidentContext(), store, config.policy_lookback, id);
}

}  // namespace novacron::agent
