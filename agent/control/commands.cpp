// The control socket's commands.
#include "agent/agent_impl.h"
#include "io/control_commands.h"

namespace novacron::agent {

namespace {

std::string okReply(const json& data) { return jsonText(json{{"ok", true}, {"data", data}}); }

}  // namespace

void Agent::Impl::handleControl(std::string_view line, const PeerCredentials& peer,
                                ControlReply reply) {
  auto req = io::decodeControlRequest(line);
  if (!req) return reply(errorReply("bad_request", req.error().message));
  const std::string& cmd = req->cmd;
  const json& args = req->args;
  logDebug("control: " + cmd + " from uid " + std::to_string(peer.uid) + " pid " +
           std::to_string(peer.pid));
  Role role = access.roleOf(peer);
  if (role == Role::kNone) {
    return reply(errorReply("permission_denied",
                            "uid " + std::to_string(peer.uid) +
                                " is not in the control socket's group; ask an administrator"));
  }
  if (changesState(cmd) && role != Role::kAdmin) {
    return reply(
        errorReply("permission_denied",
                   cmd + " changes the agent's state: it needs root or the admin group" +
                       (config.control_admin_group ? " (" + *config.control_admin_group + ")"
                                                   : std::string())));
  }
  // The commands the agent answers itself (io/control_commands.h has them all; those on incidents
  // go to incidents::runIncidentCommand, and firewall_list, answered later, to firewallList).
  using Run = std::string (*)(Impl&, const json&);
  static constexpr std::pair<std::string_view, Run> kAgentCommands[] = {
      {"status", [](Impl& a, const json&) { return okReply(a.statusJson()); }},
      {"health", [](Impl& a, const json&) { return okReply(a.statusJson()); }},
      {"metrics",
       [](Impl& a, const json& in) {
         if (in.contains("match") && !in["match"].is_string())
           return errorReply("bad_request", "\"match\" must be a string");
         return okReply(a.metricsJson(in.value("match", "")));
       }},
      {"playbooks", [](Impl& a, const json&) { return okReply(a.playbooksJson()); }},
      {"diagnostics",
       [](Impl& a, const json&) {
         return okReply(actions::diagnosticsReport(a.store, a.clock.now(), ""));
       }},
      {"db_status", [](Impl& a, const json&) { return okReply(a.sources.describe("postgres")); }},
      {"cache_status", [](Impl& a, const json&) { return okReply(a.sources.describe("redis")); }},
      {"validate",
       [](Impl& a, const json& in) {
         if (in.contains("id") && !in["id"].is_string())
           return errorReply("bad_request", "\"id\" must be a string");
         std::optional<std::string> id;
         if (in.contains("id")) id = in["id"].get<std::string>();
         auto r = a.validate(id);
         return r.ok() ? okReply(r.data) : errorReply(r.code, r.message);
       }},
      {"logs", [](Impl& a, const json& in) { return a.logsCommand(in); }},
      {"version",
       [](Impl&, const json&) {
         return okReply({{"version", kVersion}});
       }},
  };
  // Every command of the table is answered by exactly one of the three.
  static_assert(
      [] {
        for (const auto& c : io::kControlCommands) {
          int by = c.name == "firewall_list";
          for (const auto& entry : kAgentCommands) by += entry.first == c.name;
          for (std::string_view name : incidents::kIncidentCommands) by += name == c.name;
          if (by != 1) return false;
        }
        return std::size(io::kControlCommands) ==
               std::size(kAgentCommands) + std::size(incidents::kIncidentCommands) + 1;
      }(),
      "a command of io/control_commands.h has no handler, or two");
  // The one command answered later: the broker holds the firewall.
  if (cmd == "firewall_list") return firewallList(std::move(reply));
  if (std::ranges::find(incidents::kIncidentCommands, cmd) !=
      std::end(incidents::kIncidentCommands)) {
    // The peer is named on the timeline of those that change something (a name service lookup:
    // not made for the commands that only read the agent).
    const std::string who = peerName(peer.uid);
    auto r = incidents::runIncidentCommand(incidentContext(), cmd, args, {who, who});
    return reply(r->ok() ? okReply(r->data) : errorReply(r->code, r->message));
  }
  for (const auto& [name, run] : kAgentCommands) {
    if (name == cmd) return reply(run(*this, args));
  }
  std::string known;
  for (const auto& c : io::kControlCommands)
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  reply(errorReply("unknown_command", "unknown command '" + cmd + "'; known: " + known));
}

void Agent::Impl::firewallList(ControlReply reply) {
  auto answer = [reply](Result<std::string> list) {
    if (!list) return reply(errorReply("firewall", list.error().message));
    json data = json::parse(*list, nullptr, false);
    if (!data.is_array()) return reply(errorReply("firewall", "the broker's list is not JSON"));
    reply(okReply(data));
  };
  if (broker) return broker->listBlocked(answer);
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

// `logs`: the agent's own recent lines; {"errors": true} for warnings and worse, "since" in
// seconds.
std::string Agent::Impl::logsCommand(const json& args) {
  auto back = io::secondsArg(args, "since");
  if (!back || (args.contains("errors") && !args["errors"].is_boolean())) {
    return errorReply("bad_request",
                      "\"since\" is a number of seconds (0 to 10 years), \"errors\" a boolean");
  }
  auto since = std::chrono::system_clock::now() - back->value_or(std::chrono::hours(1));
  json lines = json::array();
  for (const auto& e :
       recentLogs(args.value("errors", false) ? LogLevel::kWarning : LogLevel::kDebug, since)) {
    lines.push_back({{"at", std::chrono::duration<double>(e.at.time_since_epoch()).count()},
                     {"level", logLevelName(e.level)},
                     {"message", e.message}});
  }
  return okReply(lines);
}

incidents::IncidentContext Agent::Impl::incidentContext() {
  return {incident_store.get(), manager.get(), clock, config.node_id, store_error, &evaluator};
}

incidents::CommandReply Agent::Impl::validate(const std::optional<std::string>& id) {
  return incidents::validateRecovery(incidentContext(), store, config.policy_lookback, id);
}

}  // namespace novacron::agent
