#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "agent/base/clock.h"

namespace novacron::agent {

class Store;
class IncidentManager;

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
/// ack, approve or deny, in the name of `who` (recorded on the timeline).
CommandReply decide(const IncidentContext& c, const std::string& cmd, const std::string& id,
                    const std::string& action, const std::string& who, const std::string& reason);
/// The kill switch, on every open incident's timeline.
CommandReply setPaused(const IncidentContext& c, bool pause, const std::string& who,
                       const std::string& reason);

}  // namespace novacron::agent
