#include <gtest/gtest.h>

#include <fstream>

#include "policy/notify_templates.h"
#include "tests/support/action_run.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"

namespace novacron::actions {
namespace {

using nlohmann::json;
using testing::HttpRecorder;

TEST(NotifyActionTest, PostsTheInitialAlertWithTheRunbooksFields) {
  testing::ScratchRoot dir;
  dir.load("empty");
  testing::writeSecret(dir.path() / "token", "hook-token\n");
  HttpRecorder server;
  testing::ActionRunner runner;
  runner.settings.notify = {server.url("/hook"), dir.path() / "token", std::chrono::seconds(5)};
  auto o = runner.run("notify", json::object());
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  EXPECT_EQ(o.result["delivered"], true);
  ASSERT_EQ(server.requests().size(), 1u);
  auto r = server.requests()[0];
  EXPECT_EQ(r.target, "/hook");
  EXPECT_EQ(r.headers["authorization"], "Bearer hook-token");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  json body = json::parse(r.body);
  EXPECT_EQ(body["subject"], "[NovaCron] SEV-2 disk_full on node-1");
  std::string text = body["text"];
  // The customer notice's fields: what, impact, where, since when, status.
  for (const char* want :
       {"We are investigating: Root filesystem almost full.",
        "Impact: infrastructure incident, severity SEV-2", "Affected host: node-1 (region=eu-west)",
        "Start time: 2026-01-01T00:00:00Z",
        "Status: investigating; automated recovery is mitigating",
        "Incident: node-1-20260101T000000Z-1", "Updates follow every 30 minutes"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_EQ(body["incident"]["id"], "node-1-20260101T000000Z-1");
  EXPECT_EQ(o.result.dump().find("hook-token"), std::string::npos);
}

TEST(NotifyActionTest, ResolutionAndCustomTextAndFailures) {
  HttpRecorder server;
  testing::ActionRunner runner;
  auto o = runner.run("notify", {{"template", "resolution"}, {"webhook", server.url()}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  json body = json::parse(server.requests()[0].body);
  EXPECT_EQ(body["subject"], "[NovaCron] Resolved: disk_full on node-1");
  EXPECT_NE(body["text"].get<std::string>().find("Actions taken: none"), std::string::npos);
  EXPECT_NE(body["text"].get<std::string>().find("post-mortem will be available within 48 hours"),
            std::string::npos);

  o = runner.run("notify",
                 {{"text", "disk {labels.mount} on {node.id}"}, {"webhook", server.url()}});
  ASSERT_EQ(o.state, actions::RunState::kDone);
  body = json::parse(server.requests()[1].body);
  EXPECT_EQ(body["text"], "disk / on node-1");
  EXPECT_EQ(body["subject"], "[NovaCron] disk_full on node-1");

  server.answer(500, "down");
  o = runner.run("notify", {{"webhook", server.url()}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "the webhook answered 500");
  EXPECT_EQ(o.result["delivered"], false);

  // No webhook anywhere: the notice is prepared and kept on the timeline.
  o = runner.run("notify", json::object());
  EXPECT_EQ(o.state, actions::RunState::kSkipped);
  EXPECT_NE(o.result["text"].get<std::string>().find("Root filesystem almost full"),
            std::string::npos);
}

TEST(NotifyActionTest, EveryBuiltInTemplateRendersWithEveryField) {
  testing::ActionRunner runner;
  for (const char* name : {"initial_alert", "update", "resolution", "escalation"}) {
    auto o = runner.run("notify", {{"template", name}});
    EXPECT_EQ(o.state, actions::RunState::kSkipped) << name << ": " << o.result.dump();
    EXPECT_EQ(o.result["text"].get<std::string>().find('{'), std::string::npos) << name;
  }
  EXPECT_FALSE(policy::isNotifyTemplate("nope"));
}

TEST(NotifyActionTest, AWebhookAnsweringBytesThatAreNotTextIsRecorded) {
  HttpRecorder server;
  server.answer(500, "\xff");
  testing::ActionRunner runner;
  runner.settings.notify = {server.url("/hook"), std::nullopt, std::chrono::seconds(5)};
  auto o = runner.run("notify", json::object());
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["response"], "\xef\xbf\xbd");
  EXPECT_NO_THROW((void)o.result.dump()) << "the notice reaches the timeline";
}

}  // namespace
}  // namespace novacron::actions
