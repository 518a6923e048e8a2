// The incident commands of io/control_commands.h, run with their arguments as the control socket
// and /v1 give them: both answer through here, so a check made for one holds for the other.
#include <algorithm>

#include "incidents/incident_commands.h"
#include "io/control_request.h"

namespace novacron::incidents {

using json = nlohmann::json;

namespace {

std::string stringArg(const json& args, const char* key) {
  auto v = args.find(key);
  return v != args.end() && v->is_string() ? v->get<std::string>() : std::string();
}

// `incidents`: open ones by default; {"all": true} for every one, "since" in seconds back.
CommandReply list(const IncidentContext& c, const json& args) {
  auto back = io::secondsArg(args, "since");
  if (!back || (args.contains("all") && !args["all"].is_boolean())) {
    return CommandReply::error(
        "bad_request", "\"since\" is a number of seconds (0 to 10 years), \"all\" a boolean");
  }
  std::optional<TimePoint> since;
  if (*back) since = c.clock.now() - **back;
  return listIncidents(c, since, args.value("all", false));
}

// `incidents_after`: a poller's page of events after its cursor.
CommandReply feed(const IncidentContext& c, const json& args) {
  auto number = [&](const char* key, int64_t fallback) -> std::optional<int64_t> {
    auto v = args.find(key);
    if (v == args.end()) return fallback;
    if (!v->is_number_integer()) return std::nullopt;
    return v->get<int64_t>();
  };
  auto after = number("after", 0), limit = number("limit", 100);
  if (!after || *after < 0 || !limit || *limit < 1 || *limit > 1000) {
    return CommandReply::error(
        "bad_request", "after is an event sequence number (>= 0), limit 1-1000 (default 100)");
  }
  return incidentsAfter(c, *after, static_cast<size_t>(*limit));
}

}  // namespace

std::optional<CommandReply> runIncidentCommand(const IncidentContext& c, std::string_view cmd,
                                               const json& args, const Requester& who) {
  if (std::find(std::begin(kIncidentCommands), std::end(kIncidentCommands), cmd) ==
      std::end(kIncidentCommands))
    return std::nullopt;
  if (!args.is_object())
    return CommandReply::error("bad_request", "the arguments must be an object");
  if (args.contains("reason") &&
      (!args["reason"].is_string() || args["reason"].get<std::string>().size() > 1000)) {
    return CommandReply::error("bad_request", "\"reason\" must be a string of at most 1000 bytes");
  }
  if (cmd == "incidents") return list(c, args);
  if (cmd == "incidents_after") return feed(c, args);
  if (cmd == "trigger") {
    std::string why;
    auto t = readTrigger(args, why);
    if (!t) return CommandReply::error("bad_request", why);
    if (t->playbook.empty())
      return CommandReply::error("bad_request", "trigger needs \"playbook\"");
    return trigger(c, *t, who);
  }
  if (cmd == "pause" || cmd == "resume")
    return setPaused(c, cmd == "pause", who.name, stringArg(args, "reason"));
  const std::string id = stringArg(args, "id");
  if (id.empty()) return CommandReply::error("bad_request", std::string(cmd) + " needs \"id\"");
  if (cmd == "incident") return showIncident(c, id);
  if (cmd == "postmortem") return postmortem(c, id);
  return decide(c, std::string(cmd), id, stringArg(args, "action"), who, stringArg(args, "reason"));
}

}  // namespace novacron::incidents
