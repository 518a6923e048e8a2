#include "agent/control/commands.h"

#include <algorithm>
#include <chrono>

#include "base/json_text.h"
#include "base/log.h"
#include "io/control_commands.h"
#include "io/control_request.h"
#include "novacron/version.h"

namespace novacron::agent {

namespace {

using json = nlohmann::json;

std::string okReply(const json& data) { return jsonText(json{{"ok", true}, {"data", data}}); }

// `logs`: the agent's own recent lines; {"errors": true} for warnings and worse, "since" in
// seconds.
std::string logsCommand(const json& args) {
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

// `firewall list`: the block set, from the broker (or nftables itself without one).
void firewallList(const AgentView& view, ControlReply reply) {
  view.blocked([reply](Result<std::string> list) {
    if (!list) return reply(errorReply("firewall", list.error().message));
    json data = json::parse(*list, nullptr, false);
    if (!data.is_array()) return reply(errorReply("firewall", "the broker's list is not JSON"));
    reply(okReply(data));
  });
}

}  // namespace

void ControlCommands::handle(std::string_view line, const PeerCredentials& peer,
                             ControlReply reply) const {
  auto req = io::decodeControlRequest(line);
  if (!req) return reply(errorReply("bad_request", req.error().message));
  const std::string& cmd = req->cmd;
  const json& args = req->args;
  logDebug("control: " + cmd + " from uid " + std::to_string(peer.uid) + " pid " +
           std::to_string(peer.pid));
  Role role = access_.roleOf(peer);
  if (role == Role::kNone) {
    return reply(errorReply("permission_denied",
                            "uid " + std::to_string(peer.uid) +
                                " is not in the control socket's group; ask an administrator"));
  }
  if (changesState(cmd) && role != Role::kAdmin) {
    return reply(
        errorReply("permission_denied",
                   cmd + " changes the agent's state: it needs root or the admin group" +
                       (config_.control_admin_group ? " (" + *config_.control_admin_group + ")"
                                                    : std::string())));
  }
  // The commands the agent answers itself (io/control_commands.h has them all; those on incidents
  // go to incidents::runIncidentCommand, and firewall_list, answered later, to firewallList).
  using Run = std::string (*)(const AgentView&, const json&);
  static constexpr std::pair<std::string_view, Run> kAgentCommands[] = {
      {"status", [](const AgentView& a, const json&) { return okReply(a.status()); }},
      {"health", [](const AgentView& a, const json&) { return okReply(a.status()); }},
      {"metrics",
       [](const AgentView& a, const json& in) {
         if (in.contains("match") && !in["match"].is_string())
           return errorReply("bad_request", "\"match\" must be a string");
         return okReply(a.metrics(in.value("match", "")));
       }},
      {"playbooks", [](const AgentView& a, const json&) { return okReply(a.playbooks()); }},
      {"diagnostics", [](const AgentView& a, const json&) { return okReply(a.diagnostics()); }},
      {"db_status",
       [](const AgentView& a, const json&) { return okReply(a.describe("postgres")); }},
      {"cache_status",
       [](const AgentView& a, const json&) { return okReply(a.describe("redis")); }},
      {"validate",
       [](const AgentView& a, const json& in) {
         if (in.contains("id") && !in["id"].is_string())
           return errorReply("bad_request", "\"id\" must be a string");
         std::optional<std::string> id;
         if (in.contains("id")) id = in["id"].get<std::string>();
         auto r = a.validate(id);
         return r.ok() ? okReply(r.data) : errorReply(r.code, r.message);
       }},
      {"logs", [](const AgentView&, const json& in) { return logsCommand(in); }},
      {"version",
       [](const AgentView&, const json&) {
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
  if (cmd == "firewall_list") return firewallList(view_, std::move(reply));
  if (std::ranges::find(incidents::kIncidentCommands, cmd) !=
      std::end(incidents::kIncidentCommands)) {
    // The peer is named on the timeline of those that change something (a name service lookup:
    // not made for the commands that only read the agent).
    const std::string who = peerName(peer.uid);
    auto r = incidents::runIncidentCommand(view_.incidents(), cmd, args, {who, who});
    return reply(r->ok() ? okReply(r->data) : errorReply(r->code, r->message));
  }
  for (const auto& [name, run] : kAgentCommands) {
    if (name == cmd) return reply(run(view_, args));
  }
  std::string known;
  for (const auto& c : io::kControlCommands)
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  reply(errorReply("unknown_command", "unknown command '" + cmd + "'; known: " + known));
}

}  // namespace novacron::agent
