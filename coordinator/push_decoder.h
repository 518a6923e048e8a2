#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace novacron::coordinator {

/// The contract's major version this coordinator reads, and the version it answers with.
inline constexpr int kSchemaMajor = 1;
inline constexpr std::string_view kSchemaVersion = "1.0";

/// One event of a batch, checked, ready for the database: `at` in Unix milliseconds, `data` as
/// JSON text PostgreSQL's jsonb accepts.
struct PushEvent {
  int64_t seq = 0;
  std::string incident;
  int64_t at_ms = 0;
  std::string kind;
  std::string data;
};

/// A checked push body (contract/push.schema.json), or the same content read from a node by
/// polling: both are written by the same statement.
struct PushBatch {
  std::string node, store;
  std::map<std::string, std::string> labels;
  std::string agent_version;
  int64_t outbox_depth = 0;
  std::string policy_digest;
  bool paused = false;
  int64_t playbooks = 0;
  std::vector<PushEvent> events;  ///< increasing seq
  /// The incident records, as JSON text each (contract/incident.schema.json), checked.
  std::vector<std::string> incidents;
  /// The events and incidents as the JSON arrays the ingest statement takes.
  std::string eventsJson() const;
  std::string incidentsJson() const;
};

/// Why a body is refused: `code` is the answer's `error` (contract/openapi.json) — schema_version
/// for a major version this coordinator does not read, malformed for what is not JSON, invalid
/// for what breaks the contract; `message` names the field by its JSON pointer.
struct PushError {
  std::string code;
  std::string message;
};

struct DecodeLimits {
  size_t max_events = 5000;
  size_t max_data_bytes = 256 << 10;  ///< one event's data
  size_t max_labels = 64;
};

/// Reads and checks a push body. Never throws; every byte is treated as hostile. Fields this
/// version does not know are ignored (a later minor version may add some). A NUL character in
/// a string, which PostgreSQL's jsonb cannot hold, becomes U+FFFD.
std::variant<PushBatch, PushError> decodePush(std::string_view body,
                                              const DecodeLimits& limits = {});

/// `2026-12-07T22:00:00.123Z` (the agent's form; also without milliseconds) as Unix
/// milliseconds, for years 2000 to 2199; nullopt otherwise.
std::optional<int64_t> parseTimestampMs(std::string_view text);

/// A node id: 1 to 63 of [A-Za-z0-9._-].
bool validNodeId(std::string_view id);

}  // namespace novacron::coordinator
