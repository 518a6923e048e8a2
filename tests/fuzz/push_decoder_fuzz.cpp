// The coordinator's ingest decoder: every byte of a push body is hostile. Beyond not crashing,
// what it accepts must be what the database can take and what it said: every event's data and
// both arrays the ingest statement reads are JSON without NUL, seqs increase, keys are the node's;
// and a body made again from the decoded batch decodes to the same batch.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "coordinator/push_decoder.h"

namespace {

using json = nlohmann::json;
using novacron::coordinator::PushBatch;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

json parsed(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  check(!j.is_discarded());
  check(text.find('\0') == std::string::npos);
  return j;
}

std::string again(const PushBatch& b) {
  json events = json::array();
  for (const auto& e : b.events) {
    time_t t = static_cast<time_t>(e.at_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char at[40];
    std::snprintf(at, sizeof(at), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(e.at_ms % 1000));
    events.push_back({{"key", b.node + ":" + b.store + ":" + std::to_string(e.seq)},
                      {"seq", e.seq},
                      {"incident", e.incident},
                      {"at", at},
                      {"kind", e.kind},
                      {"data", parsed(e.data)}});
  }
  json incidents = json::object();
  for (const auto& text : b.incidents) {
    json r = parsed(text);
    incidents[r["id"].get<std::string>()] = r;
  }
  json body = {{"schema_version", "1.0"},
               {"node", b.node},
               {"store", b.store},
               {"labels", b.labels},
               {"agent_version", b.agent_version},
               {"agent",
                {{"outbox_depth", b.outbox_depth},
                 {"policy_digest", b.policy_digest},
                 {"paused", b.paused},
                 {"playbooks", b.playbooks}}},
               {"events", events},
               {"incidents", incidents}};
  return novacron::jsonText(body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::coordinator;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto r = decodePush(body);
  if (auto* e = std::get_if<PushError>(&r)) {
    check(e->code == "malformed" || e->code == "invalid" || e->code == "schema_version");
    check(!e->message.empty());
    return 0;
  }
  const PushBatch& b = std::get<PushBatch>(r);
  check(validNodeId(b.node));
  int64_t last = 0;
  for (const auto& e : b.events) {
    check(e.seq > last);
    last = e.seq;
    check(parsed(e.data).is_object());
  }
  check(parsed(b.eventsJson()).size() == b.events.size());
  check(parsed(b.incidentsJson()).size() == b.incidents.size());
  auto round = decodePush(again(b));
  check(std::holds_alternative<PushBatch>(round));
  const PushBatch& b2 = std::get<PushBatch>(round);
  check(b2.events.size() == b.events.size() && b2.incidents == b.incidents &&
        b2.labels == b.labels && b2.node == b.node && b2.store == b.store);
  for (size_t i = 0; i < b.events.size(); ++i) {
    check(b2.events[i].seq == b.events[i].seq && b2.events[i].at_ms == b.events[i].at_ms &&
          b2.events[i].data == b.events[i].data && b2.events[i].kind == b.events[i].kind &&
          b2.events[i].incident == b.events[i].incident);
  }
  return 0;
}
