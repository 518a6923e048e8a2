#include <gtest/gtest.h>

#include <fstream>

#include "base/json_text.h"
#include "tests/support/action_run.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"

namespace novacron::actions {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpRecorder;

TEST(HttpRequestActionTest, SendsTheRequestAndChecksTheStatus) {
  HttpRecorder server;
  testing::ActionRunner runner;
  auto o = runner.run("http_request", {{"method", "POST"},
                                       {"url", server.url("/breaker/reset?x=1")},
                                       {"headers", {{"X-Incident", "{incident.id}"}}},
                                       {"body", R"({{"mount": "{labels.mount}"}})"}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  EXPECT_EQ(o.result["status"], 200);
  ASSERT_EQ(server.requests().size(), 1u);
  auto r = server.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/breaker/reset?x=1");
  EXPECT_EQ(r.headers["x-incident"], "node-1-20260101T000000Z-1");
  EXPECT_EQ(r.body, R"({"mount": "/"})");
  EXPECT_EQ(o.result["url"], "http://127.0.0.1:" + std::to_string(server.port()) + "/breaker/reset")
      << "the query string may carry secrets and is not recorded";

  server.answer(503, "busy");
  o = runner.run("http_request", {{"url", server.url()}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "unexpected status 503");
  EXPECT_EQ(o.result["response"], "busy");
  EXPECT_EQ(server.requests().back().method, "GET") << "GET without a body";

  o = runner.run("http_request", {{"url", server.url()}, {"expect_status", 503}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << "503 is what was asked for";
}

// A secret file holding "s3cr3t-value", a recording server and a runner.
struct SecretFileCase {
  SecretFileCase() {
    dir.load("empty");
    testing::writeSecret(secret, "s3cr3t-value\n");
  }
  testing::ScratchRoot dir;
  std::filesystem::path secret = dir.path() / "token";
  HttpRecorder server;
  testing::ActionRunner runner;
};

TEST(HttpRequestActionTest, SecretsFromFilesGoOnTheWireAndNowhereElse) {
  SecretFileCase c;
  auto& secret = c.secret;
  auto& server = c.server;
  auto& runner = c.runner;
  auto o = runner.run("http_request", {{"url", server.url()},
                                       {"headers", {{"Authorization", "Bearer inline-secret"}}},
                                       {"header_files", {{"X-Api-Key", secret.string()}}}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  EXPECT_EQ(server.requests()[0].headers["x-api-key"], "s3cr3t-value");
  EXPECT_EQ(server.requests()[0].headers["authorization"], "Bearer inline-secret");
  std::string recorded = o.result.dump();
  EXPECT_EQ(recorded.find("s3cr3t"), std::string::npos) << recorded;
  EXPECT_EQ(recorded.find("inline-secret"), std::string::npos) << recorded;
  EXPECT_EQ(o.result["headers"]["X-Api-Key"], "<from " + secret.string() + ">");

  o = runner.run("http_request",
                 {{"url", server.url()}, {"header_files", {{"X-Api-Key", "/nonexistent/token"}}}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(o.result["error"], "cannot read the secret file /nonexistent/token");
}

TEST(HttpRequestActionTest, AHeaderFileOthersCanReadOrThatHoldsTwoLinesIsRefusedAtEachRun) {
  SecretFileCase c;
  auto& secret = c.secret;
  auto& server = c.server;
  auto& runner = c.runner;
  json with = {{"url", server.url()}, {"header_files", {{"X-Api-Key", secret.string()}}}};
  ASSERT_EQ(runner.run("http_request", with).state, actions::RunState::kDone);
  // Rotated in with a mode others may read: refused at the next run, nothing sent.
  std::filesystem::permissions(secret, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  {
    auto o = runner.run("http_request", with);
    EXPECT_EQ(o.state, actions::RunState::kFailed);
    EXPECT_NE(o.result["error"].get<std::string>().find("others may use it; chmod 0640"),
              std::string::npos)
        << o.result.dump();
    EXPECT_EQ(server.requests().size(), 1u) << "nothing was sent with it";
  }
  // A second line would be a header of its own.
  testing::writeSecret(secret, "s3cr3t\r\nX-Injected: yes\n");
  auto o = runner.run("http_request", with);
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_NE(o.result["error"].get<std::string>().find("more than one line"), std::string::npos)
      << o.result.dump();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpRequestActionTest, AHangingOrAbsentServerIsBoundedByTheTimeout) {
  HttpRecorder server;
  server.setMode(HttpRecorder::Mode::kHang);
  testing::ActionRunner runner;
  auto start = std::chrono::steady_clock::now();
  auto o = runner.run("http_request", {{"url", server.url()}}, 500ms);
  EXPECT_EQ(o.state, actions::RunState::kTimedOut) << o.result.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);

  server.setMode(HttpRecorder::Mode::kDrop);
  o = runner.run("http_request", {{"url", server.url()}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_NE(o.result["error"].get<std::string>().find("reading the response"), std::string::npos)
      << o.result.dump();

  uint16_t closed = testing::freePort();
  o = runner.run("http_request", {{"url", "http://127.0.0.1:" + std::to_string(closed) + "/"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_NE(o.result["error"].get<std::string>().find("connecting to"), std::string::npos)
      << o.result.dump();
}

TEST(HttpRequestActionTest, AnAnswerThatIsNotTextIsRecordedAsValidText) {
  HttpRecorder server;
  server.answer(200,
                "A\xff"
                "B");
  testing::ActionRunner runner;
  auto o = runner.run("http_request", {{"url", server.url()}});
  ASSERT_EQ(o.state, actions::RunState::kDone);
  EXPECT_EQ(o.result["response"],
            "A\xef\xbf\xbd"
            "B");
  EXPECT_NO_THROW((void)o.result.dump());
}

TEST(HttpRequestActionTest, AValueCannotAddAHeaderOrBreakTheBodyOpen) {
  // A role with only CREATEDB can name a database like this.
  const std::string db = "y\r\nX-Injected: yes";
  HttpRecorder server;
  testing::ActionRunner runner;
  runner.values["labels.database"] = db;
  auto o = runner.run("http_request",
                      {{"url", server.url()}, {"headers", {{"X-Database", "{labels.database}"}}}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_NE(o.result["error"].get<std::string>().find("control character"), std::string::npos)
      << jsonText(o.result);
  EXPECT_TRUE(server.requests().empty()) << "nothing was sent";

  // In a JSON body the value stays inside its string, whatever it holds.
  runner.values["labels.database"] = "x\", \"admin\": true, \"y\": \"\n";
  o = runner.run("http_request", {{"url", server.url()},
                                  {"method", "POST"},
                                  {"body", R"({{"database": "{labels.database}"}})"}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
  ASSERT_EQ(server.requests().size(), 1u);
  json sent = json::parse(server.requests()[0].body);
  EXPECT_EQ(sent.size(), 1u) << "no key was added: " << server.requests()[0].body;
  EXPECT_EQ(sent["database"], runner.values["labels.database"]);

  // A JSON Content-Type makes the body JSON too; a placeholder outside a string is refused.
  o = runner.run("http_request", {{"url", server.url()},
                                  {"headers", {{"Content-Type", "application/json"}}},
                                  {"body", "[1, {labels.database}]"}});
  EXPECT_EQ(o.state, actions::RunState::kFailed);
  EXPECT_EQ(server.requests().size(), 1u);

  // A form body gets its values percent-encoded.
  runner.values["labels.database"] = "a&b=c";
  o = runner.run("http_request",
                 {{"url", server.url()},
                  {"headers", {{"Content-Type", "application/x-www-form-urlencoded"}}},
                  {"body", "db={labels.database}"}});
  ASSERT_EQ(o.state, actions::RunState::kDone) << jsonText(o.result);
  EXPECT_EQ(server.requests().back().body, "db=a%26b%3Dc");
}

}  // namespace
}  // namespace novacron::actions
