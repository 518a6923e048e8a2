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

inline constexpr uint16_t kProtocolVersion = 1;
/// A message larger than this is refused, on either side: no verb needs more.
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
/// One text field: argv elements, unit names, paths, addresses, messages.
inline constexpr size_t kMaxFieldBytes = 8 * 1024;
/// Placeholder values of one run, addresses of one request, paths of one bundle.
inline constexpr size_t kMaxItems = 256;

enum class Verb : uint16_t {
  // agent -> broker
  kHello = 1,         ///< the protocol version; the first message of each side
  kStartRun = 2,      ///< run an action of the policy (playbook, action, incident, values)
  kKillRun = 3,       ///< end everything in a run's cgroup
  kRestartUnit = 4,   ///< restart the systemd unit a playbook's action names
  kOpenEvidence = 5,  ///< open the files of an evidence bundle (descriptors come back)
  kBlock = 6,         ///< add addresses to the firewall block set, with a timeout
  kUnblock = 7,       ///< remove addresses from it
  kListBlocked = 8,   ///< what the block set holds
  kHealth = 9,        ///< is the broker alive, and with which policy
  // broker -> agent
  kReply = 100,     ///< the answer to the request with the same id
  kRunEnded = 101,  ///< a run's end: exit status, signal, resource use, output
};

/// What a field holds. A verb allows a fixed set of fields (see protocol.cpp); a field appears
/// at most once unless it is a list (kValue, kAddress, kPath).
enum class Tag : uint16_t {
  kVersion = 1,      ///< u64
  kPlaybook = 2,     ///< text
  kAction = 3,       ///< text: the action's id in its playbook
  kIncident = 4,     ///< u64
  kValue = 5,        ///< list of NAME=VALUE: placeholder values, VALUE any bytes but NUL
  kRun = 6,          ///< u64: the broker's id of a run
  kUnit = 7,         ///< text
  kAddress = 8,      ///< list of text: IPv4/IPv6 addresses or CIDRs
  kTimeout = 9,      ///< u64 milliseconds
  kOk = 10,          ///< u64 0 or 1
  kError = 11,       ///< text: why a request was refused or failed
  kExitCode = 12,    ///< u64
  kSignal = 13,      ///< u64
  kCpuMicros = 14,   ///< u64
  kMemoryPeak = 15,  ///< u64 bytes
  kOutput = 16,      ///< bytes: the run's output, already bounded
  kPath = 17,        ///< list of text
  kPolicy = 18,      ///< text: the digest of the policy the broker holds
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
