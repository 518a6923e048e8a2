#pragma once

// The broker's wire protocol: what the unprivileged agent may ask of the root broker, and how
// the broker answers. One message per SOCK_SEQPACKET datagram (the kernel keeps the boundaries),
// a fixed schema per verb, a version, and bounds on everything, so that a compromised agent can
// at most send a well-formed request the broker then checks against its own copy of the policy.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace novacron::broker {

inline constexpr uint16_t kProtocolVersion = 2;
/// A message larger than this is refused, on either side: no verb needs more.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
/// One text field: argv elements, unit names, paths, addresses, messages.
inline constexpr size_t kMaxFieldBytes = 8 * 1024;
/// Placeholder values of one run, addresses of one request, paths of one bundle.
inline constexpr size_t kMaxItems = 256;

enum class Verb : uint16_t {
  // agent -> broker
  kHello = 1,  ///< the protocol version and the agent's instance; the first request
  /// Run an action of the policy that needs root (playbook, action, its type, incident, values,
  /// what the agent expects it to do; a report the main process prepared comes as an fd). The
  /// types are the action registry's (actions/registry.h, `expect`), not the protocol's.
  kRunAction = 2,
  kKillRun = 3,  ///< end everything a run started (this life's or a killed predecessor's)
  // 4 to 7: one verb per root action type until protocol 2; no longer used.
  kListBlocked = 8,  ///< what the block set holds (JSON, as an fd)
  kHealth = 9,       ///< is the broker alive, and with which policy
  kReload = 10,      ///< read the configuration and playbooks again (the agent's SIGHUP)
  kOpenTasks = 11,   ///< a fresh stream of the process table (a BPF task iterator, as an fd)
  // broker -> agent
  kReply = 100,       ///< the answer to the request with the same id
  kRunEnded = 101,    ///< a run's end: its state, and its result (JSON, as an fd)
  kRunStarted = 102,  ///< a run's first process, with its pid
};

/// What a field holds. A verb allows a fixed set of fields (see protocol.cpp); a field appears
/// at most once unless it is a list (kValue, kExpect).
enum class Tag : uint16_t {
  kVersion = 1,   ///< u64
  kPlaybook = 2,  ///< text
  kAction = 3,    ///< text: the action's id in its playbook
  kIncident = 4,  ///< text: the incident's id
  kValue = 5,     ///< list of NAME=VALUE: placeholder values, VALUE any bytes but NUL
  kRun = 6,       ///< u64: the run's id in the agent's store
  // 7 to 9, 12 and 17: what one root verb expected until protocol 2; now kExpect.
  kOk = 10,           ///< u64 0 or 1
  kError = 11,        ///< text: why a request was refused or failed
  kMarker = 13,       ///< text: the run's NOVACRON_RUN marker
  kState = 14,        ///< text: how a run ended (done, failed, timed_out, oom_killed)
  kPid = 15,          ///< u64
  kInstance = 16,     ///< text: the agent's store id, which names its cgroups and markers
  kPolicy = 18,       ///< text: the digest of the policy the broker holds
  kDescription = 19,  ///< text: the broker's action containment, in words
  kType = 20,         ///< text: the action's type (exec, systemd_restart, ...)
  kExpect = 21,       ///< list of FIELD=ITEM: what the agent expects the run to do, in order
};

/// One decoded message. Fields not given are absent; lists keep their order.
struct Message {
  Verb verb = Verb::kHello;
  uint32_t id = 0;  ///< chosen by the requester; a reply carries its request's
  std::map<Tag, std::string> text;
  std::map<Tag, uint64_t> number;
  std::map<Tag, std::vector<std::string>> lists;

  std::optional<std::string_view> get(Tag t) const;
  std::optional<uint64_t> num(Tag t) const;
  const std::vector<std::string>& list(Tag t) const;
};

/// The bytes of one datagram. Refuses (kInvalidArgument) a message its own decoder would refuse:
/// a field the verb does not allow, a missing required field, or anything over its bound.
Result<std::string> encode(const Message& m);

/// Decodes one datagram. Never throws; every refusal says what was wrong (kMalformed).
Result<Message> decode(std::string_view bytes);

std::string_view verbName(Verb v);

}  // namespace novacron::broker
