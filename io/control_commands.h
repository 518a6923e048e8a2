#pragma once
// The agent's commands, one table: their names, the words and arguments on the `novacron`
// command line, who may run them, their /v1 route and a line of help. The agent dispatches and
// checks access by it (agent/control/), routes /v1 by it (agent/api/), the novacron command parses
// its arguments and prints its help from it (cli/). Header-only and constexpr: the novacron
// command links no more than base.
#include <span>
#include <string_view>

namespace novacron::io {

/// Who may run a command over the control socket: a member of the socket's group, or only root
/// and the admin group (what changes the agent's state).
enum class CommandRole { kReader, kAdmin };

/// One argument on the command line, and the request field it becomes.
struct CommandArg {
  enum class Kind {
    kWord,          ///< a required word: "ID"
    kOptionalWord,  ///< an optional word: "[INCIDENT]"
    kFlag,          ///< `--dry-run`: the field is true when given, false when not
    kNotFlag,       ///< `--open`: the field is false when given, true when not
    kText,          ///< `--reason TEXT`: the field is the text, when given
    kDuration,      ///< `--since DUR`: the field is the duration in seconds, when given
    kCount,         ///< `--limit N`: the field is a whole number, when given
    kLabel,         ///< `--label NAME=VALUE`, repeated: the field is an object of them
    kLocal,         ///< `--verbose`: how the answer is printed; not sent
  };
  Kind kind;
  std::string_view field;
  std::string_view flag;   ///< "--dry-run"; empty for a word
  std::string_view usage;  ///< "ID", "[--since DUR]"
};

/// Who a /v1 request that changes something says decides: the body's "by" (or "approver").
enum class Decider {
  kNone,      ///< nothing is decided (a GET)
  kRequired,  ///< a person's decision, relayed: the body must name them
  kOptional,  ///< the token's name when the body names nobody
};

struct ControlCommand {
  std::string_view name;   ///< the request's "cmd"
  std::string_view words;  ///< how the command line says it: "incidents show"
  CommandRole role;
  std::span<const CommandArg> args;
  std::string_view help;
  /// How /v1 serves it: "METHOD /v1/PATH", where a segment `{field}` is that argument and a query
  /// `?name={field}` an optional one; a fixed query (`?format=postmortem`) is a second answer at
  /// the same path. A POST's JSON body gives the other arguments. Empty: not on /v1.
  std::string_view route = {};
  Decider decider = Decider::kNone;
};

namespace commands {
using K = CommandArg::Kind;
inline constexpr CommandArg kId[] = {{K::kWord, "id", "", "ID"}};
inline constexpr CommandArg kIncidents[] = {{K::kNotFlag, "all", "--open", "[--open]"},
                                            {K::kDuration, "since", "--since", "[--since DUR]"}};
inline constexpr CommandArg kTrigger[] = {
    {K::kWord, "playbook", "", "PLAYBOOK"},
    {K::kLabel, "labels", "--label", "[--label NAME=VALUE]..."},
    {K::kFlag, "dry_run", "--dry-run", "[--dry-run]"},
    {K::kText, "reason", "--reason", "[--reason TEXT]"}};
inline constexpr CommandArg kApprove[] = {{K::kWord, "id", "", "ID"},
                                          {K::kWord, "action", "", "ACTION"},
                                          {K::kText, "reason", "--reason", "[--reason TEXT]"}};
inline constexpr CommandArg kAck[] = {{K::kWord, "id", "", "ID"},
                                      {K::kText, "reason", "--reason", "[--reason TEXT]"}};
inline constexpr CommandArg kDeny[] = {{K::kWord, "id", "", "ID"},
                                       {K::kWord, "action", "", "ACTION"},
                                       {K::kText, "reason", "--reason", "[--reason TEXT]"}};
inline constexpr CommandArg kPause[] = {{K::kText, "reason", "--reason", "[--reason TEXT]"}};
inline constexpr CommandArg kValidate[] = {{K::kOptionalWord, "id", "", "[INCIDENT]"}};
inline constexpr CommandArg kLogs[] = {{K::kFlag, "errors", "--errors", "[--errors]"},
                                       {K::kDuration, "since", "--since", "[--since DUR]"}};
inline constexpr CommandArg kFeed[] = {{K::kCount, "after", "--after", "[--after SEQ]"},
                                       {K::kCount, "limit", "--limit", "[--limit N]"}};
inline constexpr CommandArg kMetrics[] = {{K::kOptionalWord, "match", "", "[PATTERN]"}};
inline constexpr CommandArg kVerbose[] = {{K::kLocal, "", "--verbose", "[--verbose]"}};
inline constexpr CommandArg kDetailed[] = {{K::kLocal, "", "--detailed", "[--detailed]"}};
}  // namespace commands

/// Every command, in the order `novacron --help` lists them.
inline constexpr ControlCommand kControlCommands[] = {
    {"status", "status", CommandRole::kReader, commands::kVerbose,
     "service status matrix, mode, kill switch, open incidents", "GET /v1/status"},
    {"health", "health check", CommandRole::kReader, commands::kVerbose,
     "the same; exit 0 healthy, 1 degraded, 2 down"},
    {"incidents", "incidents list", CommandRole::kReader, commands::kIncidents,
     "incidents, newest first (`list` may be left out)"},
    {"incidents_after", "incidents feed", CommandRole::kReader, commands::kFeed,
     "events after a sequence number, with their incidents, as a poller reads them",
     "GET /v1/incidents?after={after}&limit={limit}"},
    {"incident", "incidents show", CommandRole::kReader, commands::kId,
     "one incident with its timeline and action runs", "GET /v1/incidents/{id}"},
    {"postmortem", "incidents postmortem", CommandRole::kReader, commands::kId,
     "the post-mortem draft (Markdown)", "GET /v1/incidents/{id}?format=postmortem"},
    {"trigger", "trigger", CommandRole::kAdmin, commands::kTrigger,
     "open an incident by hand, with the labels it needs", "POST /v1/playbooks/{playbook}/trigger",
     Decider::kOptional},
    {"approve", "approve", CommandRole::kAdmin, commands::kApprove,
     "approve the action the incident waits for",
     "POST /v1/incidents/{id}/actions/{action}/approve", Decider::kRequired},
    {"deny", "deny", CommandRole::kAdmin, commands::kDeny, "deny it",
     "POST /v1/incidents/{id}/actions/{action}/deny", Decider::kRequired},
    {"ack", "ack", CommandRole::kAdmin, commands::kAck, "acknowledge: stops its escalation notices",
     "POST /v1/incidents/{id}/ack", Decider::kRequired},
    {"pause", "pause", CommandRole::kAdmin, commands::kPause,
     "the kill switch: no automated action runs", "POST /v1/pause", Decider::kRequired},
    {"resume", "resume", CommandRole::kAdmin, commands::kPause, "automated actions run again",
     "POST /v1/resume", Decider::kRequired},
    {"diagnostics", "diagnostics", CommandRole::kReader, {}, "the diagnostics report now (JSON)"},
    {"db_status", "db status", CommandRole::kReader, commands::kDetailed,
     "the PostgreSQL instances"},
    {"cache_status", "cache status", CommandRole::kReader, commands::kDetailed,
     "the Redis instances"},
    {"validate", "validate", CommandRole::kReader, commands::kValidate,
     "the recovery checklist now (exit 0 pass, 1 fail, 2 unknown)",
     "GET /v1/validate?incident={id}"},
    {"logs", "logs", CommandRole::kReader, commands::kLogs, "the agent's own recent log lines"},
    {"metrics", "metrics", CommandRole::kReader, commands::kMetrics,
     "current values of metrics whose name contains PATTERN"},
    {"playbooks", "playbooks", CommandRole::kReader, {}, "the playbooks in force"},
    {"firewall_list",
     "firewall list",
     CommandRole::kReader,
     {},
     "the addresses firewall_block holds, with their expiry"},
    {"version", "version", CommandRole::kReader, {}, "the agent's and this command's versions"},
};

constexpr const ControlCommand* findControlCommand(std::string_view name) {
  for (const auto& c : kControlCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace novacron::io
