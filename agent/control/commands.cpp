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
  // The one command answered later: the broker holds the firewall.
  if (cmd == "firewall_list") return firewallList(std::move(reply));
  // One entry per command, in the order the error for an unknown one lists them.
  using Run = std::string (*)(Impl&, const std::string&, const json&, const PeerCredentials&);
  static constexpr Run kIncidentCommand = [](Impl& a, const std::string& c, const json& in,
                                             const PeerCredentials& who) {
    return a.incidentCommand(c, in, who);
  };
  static constexpr std::pair<std::string_view, Run> kCommands[] = {
      {"status", [](Impl& a, auto&, auto&, auto&) { return okReply(a.statusJson()); }},
      {"health", [](Impl& a, auto&, auto&, auto&) { return okReply(a.statusJson()); }},
      {"metrics",
       [](Impl& a, auto&, const json& in, auto&) {
         if (in.contains("match") && !in["match"].is_string())
           return errorReply("bad_request", "\"match\" must be a string");
         return okReply(a.metricsJson(in.value("match", "")));
       }},
      {"playbooks", [](Impl& a, auto&, auto&, auto&) { return okReply(a.playbooksJson()); }},
      {"incidents", kIncidentCommand},
      {"incident", kIncidentCommand},
      {"postmortem", kIncidentCommand},
      {"trigger", [](Impl& a, auto&, const json& in,
                     const PeerCredentials& who) { return a.triggerCommand(in, who); }},
      {"approve", kIncidentCommand},
      {"deny", kIncidentCommand},
      {"ack", kIncidentCommand},
      {"pause", kIncidentCommand},
      {"resume", kIncidentCommand},
      {"diagnostics",
       [](Impl& a, auto&, auto&, auto&) {
         return okReply(actions::diagnosticsReport(a.store, a.clock.now(), ""));
       }},
      {"db_status",
       [](Impl& a, auto&, auto&, auto&) { return okReply(a.sources.describe("postgres")); }},
      {"validate",
       [](Impl& a, auto&, const json& in, auto&) {
         if (in.contains("id") && !in["id"].is_string())
           return errorReply("bad_request", "\"id\" must be a string");
         std::optional<std::string> id;
         if (in.contains("id")) id = in["id"].get<std::string>();
         auto r = incidents::validateRecovery(a.incidentContext(), a.store,
                                              a.config.policy_lookback, id);
         return r.ok() ? okReply(r.data) : errorReply(r.code, r.message);
       }},
      {"cache_status",
       [](Impl& a, auto&, auto&, auto&) { return okReply(a.sources.describe("redis")); }},
      {"logs", [](Impl& a, auto&, const json& in, auto&) { return a.logsCommand(in); }},
      {"version",
       [](Impl&, auto&, auto&, auto&) {
         return okReply({{"version", kVersion}});
       }},
  };
  for (const auto& [name, run] : kCommands) {
    if (name == cmd) return reply(run(*this, cmd, args, peer));
  }
  // The commands are io/control_commands.h's; each has its entry above.
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

// `trigger`: opens an incident by hand, as the runbook's incident-response script does.
std::string Agent::Impl::triggerCommand(const json& args, const PeerCredentials& peer) {
  std::string why;
  auto t = incidents::readTrigger(args, why);
  if (!t) return errorReply("bad_request", why);
  if (t->playbook.empty()) return errorReply("bad_request", "trigger needs \"playbook\"");
  std::string who = peerName(peer.uid);
  incidents::CommandReply reply = incidents::trigger(incidentContext(), *t, {who, who});
  if (!reply.ok()) return errorReply(reply.code, reply.message);
  return okReply(reply.data);
}

// Commands on incidents; the peer is named on the timeline of those that change something.
std::string Agent::Impl::incidentCommand(const std::string& cmd, const json& args,
                                         const PeerCredentials& peer) {
  std::string who = peerName(peer.uid);
  auto str = [&](const char* key) {
    return args.contains(key) && args[key].is_string() ? args[key].get<std::string>()
                                                       : std::string();
  };
  incidents::IncidentContext c = incidentContext();
  incidents::CommandReply reply;
  if (cmd == "incidents") {
    // Open ones by default; {"all": true} for every one, "since" in seconds back.
    auto back = io::secondsArg(args, "since");
    if (!back || (args.contains("all") && !args["all"].is_boolean())) {
      return errorReply("bad_request",
                        "\"since\" is a number of seconds (0 to 10 years), \"all\" a boolean");
    }
    std::optional<TimePoint> since;
    if (*back) since = clock.now() - **back;
    reply = incidents::listIncidents(c, since, args.value("all", false));
  } else if (cmd == "pause" || cmd == "resume") {
    reply = incidents::setPaused(c, cmd == "pause", who, str("reason"));
  } else if (str("id").empty()) {
    return errorReply("bad_request", cmd + " needs \"id\"");
  } else if (cmd == "incident") {
    reply = incidents::showIncident(c, str("id"));
  } else if (cmd == "postmortem") {
    reply = incidents::postmortem(c, str("id"));
  } else {
    reply = incidents::decide(c, cmd, str("id"), str("action"), {who, who}, str("reason"));
  }
  if (!reply.ok()) return errorReply(reply.code, reply.message);
  return okReply(reply.data);
}

incidents::IncidentContext Agent::Impl::incidentContext() {
  return {incident_store.get(), manager.get(), clock, config.node_id, store_error, &evaluator};
}

}  // namespace novacron::agent
