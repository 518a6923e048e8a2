#include "coordinator/push_decoder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace novacron::coordinator {
namespace {

using json = nlohmann::json;

json body(int events = 2) {
  json j = {
      {"schema_version", "1.0"},
      {"node", "db-01"},
      {"store", "3f9c0a1b2c3d4e5f"},
      {"labels", {{"region", "eu"}}},
      {"agent_version", "0.2.0"},
      {"agent", {{"outbox_depth", 3}, {"policy_digest", ""}, {"paused", false}, {"playbooks", 11}}},
      {"events", json::array()},
      {"incidents", json::object()}};
  for (int i = 1; i <= events; ++i) {
    j["events"].push_back({{"key", "db-01:3f9c0a1b2c3d4e5f:" + std::to_string(40 + i)},
                           {"seq", 40 + i},
                           {"incident", "db-01-20261126T101500Z-1"},
                           {"at", "2026-11-26T10:15:00.12" + std::to_string(i) + "Z"},
                           {"kind", "acknowledged"},
                           {"data", {{"by", "alice"}}}});
  }
  j["incidents"]["db-01-20261126T101500Z-1"] = {{"id", "db-01-20261126T101500Z-1"},
                                                {"playbook", "disk_full"},
                                                {"labels", json::object()},
                                                {"severity", 2},
                                                {"category", "infrastructure"},
                                                {"state", "verifying"},
                                                {"dry_run", false},
                                                {"triggered_by", nullptr},
                                                {"opened_at", 1795692900.1},
                                                {"acknowledged_at", nullptr},
                                                {"resolved_at", nullptr}};
  return j;
}

std::string refusal(const json& j, const DecodeLimits& limits = {}) {
  auto r = decodePush(j.dump(), limits);
  if (auto* e = std::get_if<PushError>(&r)) return e->code + ": " + e->message;
  return "accepted";
}

TEST(PushDecoderTest, ReadsTheAgentsBody) {
  auto r = decodePush(body().dump());
  ASSERT_TRUE(std::holds_alternative<PushBatch>(r)) << std::get<PushError>(r).message;
  const PushBatch& b = std::get<PushBatch>(r);
  EXPECT_EQ(b.node, "db-01");
  EXPECT_EQ(b.store, "3f9c0a1b2c3d4e5f");
  EXPECT_EQ(b.labels.at("region"), "eu");
  EXPECT_EQ(b.outbox_depth, 3);
  EXPECT_EQ(b.playbooks, 11);
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].seq, 41);
  EXPECT_EQ(b.events[0].at_ms, 1795688100121);  // 2026-11-26T10:15:00.121Z
  EXPECT_EQ(json::parse(b.events[1].data), json({{"by", "alice"}}));
  ASSERT_EQ(b.incidents.size(), 1u);
  EXPECT_EQ(json::parse(b.incidents[0])["state"], "verifying");
  EXPECT_EQ(json::parse(b.eventsJson())[1]["at_ms"], 1795688100122);
}

TEST(PushDecoderTest, AMinorVersionAndFieldsItDoesNotKnowAreRead) {
  json j = body();
  j["schema_version"] = "1.7";
  j["something_new"] = {1, 2};
  j["events"][0]["extra"] = true;
  EXPECT_EQ(refusal(j), "accepted");
}

TEST(PushDecoderTest, EachMistakeIsNamedByItsPointer) {
  auto with = [](auto change) {
    json j = body();
    change(j);
    return j;
  };
  EXPECT_EQ(refusal(with([](json& j) { j["schema_version"] = "2.0"; })),
            "schema_version: schema_version 2.0: this coordinator reads 1.x "
            "(contract/push.schema.json)");
  EXPECT_EQ(refusal(with([](json& j) { j["schema_version"] = "1"; })),
            "invalid: /schema_version: not MAJOR.MINOR");
  EXPECT_EQ(refusal(with([](json& j) { j.erase("agent"); })), "invalid: /agent: missing");
  EXPECT_EQ(refusal(with([](json& j) { j["node"] = "db/../01"; })),
            "invalid: /node: not 1-63 of [A-Za-z0-9._-]");
  EXPECT_EQ(refusal(with([](json& j) { j["store"] = "3F9C0A1B2C3D4E5F"; })),
            "invalid: /store: not 16 lower-case hex digits");
  EXPECT_EQ(refusal(with([](json& j) {
              j["labels"] = {{"a,b", "x"}};
            })),
            "invalid: /labels: a label name is not [a-zA-Z_][a-zA-Z0-9_]*");
  EXPECT_EQ(refusal(with([](json& j) { j["events"][1]["key"] = "db-02:3f9c0a1b2c3d4e5f:42"; })),
            "invalid: /events/1/key: not NODE:STORE:SEQ of this body's node, store and the "
            "event's seq");
  EXPECT_EQ(refusal(with([](json& j) {
              j["events"][1]["seq"] = 41;
              j["events"][1]["key"] = "db-01:3f9c0a1b2c3d4e5f:41";
            })),
            "invalid: /events/1/seq: not increasing");
  EXPECT_EQ(refusal(with([](json& j) { j["events"][0]["at"] = "2026-02-30T00:00:00.000Z"; })),
            "invalid: /events/0/at: not YYYY-MM-DDTHH:MM:SS.mmmZ between 2000 and 2199");
  EXPECT_EQ(refusal(with([](json& j) { j["events"][0]["kind"] = "Opened"; })),
            "invalid: /events/0/kind: not [a-z_]+");
  EXPECT_EQ(refusal(with([](json& j) { j["events"][0]["data"] = "x"; })),
            "invalid: /events/0/data: not an object");
  EXPECT_EQ(refusal(with([](json& j) { j["events"][0]["seq"] = -1; })),
            "invalid: /events/0/seq: out of range");
  EXPECT_EQ(refusal(with(
                [](json& j) { j["incidents"]["db-01-20261126T101500Z-1"]["state"] = "on_fire"; })),
            "invalid: /incidents/db-01-20261126T101500Z-1/state: unknown");
  EXPECT_EQ(
      refusal(with([](json& j) { j["incidents"]["other"] = j["incidents"].begin().value(); })),
      "invalid: /incidents/other/id: is not the key it is listed under");
  DecodeLimits one;
  one.max_events = 1;
  EXPECT_EQ(refusal(body(), one),
            "invalid: /events: 2 events; this coordinator takes at most 1 a batch");
  auto r = decodePush("{\"schema_version\":\"1.0\",\"node\":\"a\xff\"}");
  EXPECT_EQ(std::get<PushError>(r).code, "malformed");
  EXPECT_EQ(std::get<PushError>(decodePush("[1]")).message, "/: not an object");
}

TEST(PushDecoderTest, ANulCharacterBecomesAReplacementCharacter) {
  // PostgreSQL's jsonb cannot hold U+0000: the whole batch would fail and be retried forever.
  json j = body(1);
  j["events"][0]["data"] = {{"by", std::string("ali\0ce", 6)}, {std::string("k\0", 2), 1}};
  auto r = decodePush(j.dump());
  ASSERT_TRUE(std::holds_alternative<PushBatch>(r));
  json data = json::parse(std::get<PushBatch>(r).events[0].data);
  EXPECT_EQ(data["by"],
            "ali\xEF\xBF\xBD"
            "ce");
  EXPECT_EQ(data["k\xEF\xBF\xBD"], 1);
}

TEST(PushDecoderTest, TimestampsAreTheAgentsFormOnly) {
  EXPECT_EQ(parseTimestampMs("2026-11-26T10:15:00.120Z"), 1795688100120);
  EXPECT_EQ(parseTimestampMs("2026-11-26T10:15:00Z"), 1795688100000);
  EXPECT_EQ(parseTimestampMs("2024-02-29T00:00:00.000Z"), 1709164800000);
  for (const char* bad :
       {"2023-02-29T00:00:00.000Z", "2026-11-26 10:15:00.120Z", "2026-11-26T10:15:00.120+01:00",
        "1999-12-31T23:59:59.999Z", "2026-11-26T10:15:00.-12Z", "2026-13-01T00:00:00.000Z", "",
        "+026-11-26T10:15:00.120Z"}) {
    EXPECT_FALSE(parseTimestampMs(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace novacron::coordinator
