#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "metrics/sample.h"

namespace novacron::policy {
class Evaluator;
}

namespace novacron::incidents {

class Store;
class IncidentManager;

/// Who asks. `identity` is what the agent vouches for: a control-socket peer's user and uid from
/// the kernel ("alice (uid 1000)"), or an API token's name ("token coordinator"). `name` is what
/// the timeline shows as "by": the identity itself on the socket, the caller's own words on the
/// API. Only identities are compared (distinct approvers); a name never passes for one.
struct Requester {
  std::string identity;
  std::string name;
};

/// `novacron trigger` and POST /v1/playbooks/NAME/trigger: a playbook opened by hand.
struct TriggerRequest {
  std::string playbook;
  metrics::Labels labels;
  std::string reason;
  bool dry_run = false;
};

/// Reads a trigger's arguments — {"playbook", "labels": {NAME: VALUE}, "reason", "dry_run"} —
/// checking every one before anything changes; `playbook` may come from elsewhere (the URL).
std::optional<TriggerRequest> readTrigger(const nlohmann::json& args, std::string& why);

/// The answer to a command on incidents, for the control socket and the HTTP API alike: data,
/// or an error code (bad_request, not_found, permission_denied, invalid, unavailable, store)
/// and a one-line message.
struct CommandReply {
  nlohmann::json data;
  std::string code, message;
  bool ok() const { return code.empty(); }
  static CommandReply error(std::string code, std::string message) {
    return {nullptr, std::move(code), std::move(message)};
  }
};

/// What the commands work on. `store` and `manager` are null while the store cannot be opened,
/// and `store_error` then says why.
struct IncidentContext {
  Store* store = nullptr;
  IncidentManager* manager = nullptr;
  const Clock& clock;
  const std::string& node_id;
  const std::string& store_error;
  policy::Evaluator* evaluator = nullptr;  ///< for trigger
};

nlohmann::json incidentJson(const struct IncidentRecord& r);

/// Incidents opened since `since` (all when unset), open ones only unless `all`, newest first.
CommandReply listIncidents(const IncidentContext& c, std::optional<TimePoint> since, bool all);
/// Events with seq > `after` in order, at most `limit`, with the incidents they belong to as
/// they are now, and the cursor for the next call: a poller never misses or repeats one.
CommandReply incidentsAfter(const IncidentContext& c, int64_t after, size_t limit);
/// An incident with its timeline and action runs.
CommandReply showIncident(const IncidentContext& c, const std::string& id);
/// The post-mortem draft in Markdown.
CommandReply postmortem(const IncidentContext& c, const std::string& id);
/// ack, approve or deny, by `who` (recorded on the timeline).
CommandReply decide(const IncidentContext& c, const std::string& cmd, const std::string& id,
                    const std::string& action, const Requester& who, const std::string& reason);
/// The kill switch, on every open incident's timeline.
CommandReply setPaused(const IncidentContext& c, bool pause, const std::string& who,
                       const std::string& reason);
/// Opens the playbook by hand for `who`. The labels must be exactly those its actions' templates
/// use, each a valid value for every place it fills, before the incident opens: afterwards is too
/// late to learn that an approved containment step cannot run.
CommandReply trigger(const IncidentContext& c, const TriggerRequest& t, const Requester& who);

/// The commands of io/control_commands.h that work on incidents; the agent answers the others.
inline constexpr std::string_view kIncidentCommands[] = {
    "incidents", "incidents_after", "incident", "postmortem", "trigger", "approve", "deny",
    "ack",       "pause",           "resume"};

/// Runs one of kIncidentCommands with its arguments as the control socket and /v1 give them
/// ({"id", "action", "reason", "since", "all", "after", "limit", "playbook", "labels",
/// "dry_run"}), checking each before anything changes; nullopt for any other command.
std::optional<CommandReply> runIncidentCommand(const IncidentContext& c, std::string_view cmd,
                                               const nlohmann::json& args, const Requester& who);

}  // namespace novacron::incidents
