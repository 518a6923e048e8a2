#include "agent/api/http_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "incidents/store.h"
#include "io/control_commands.h"
#include "tests/support/fixture.h"
#include "tests/support/store.h"

namespace novacron::agent {
namespace {

using json = nlohmann::json;

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.load("empty");
    store_ = testing::openStore(root_);
    ASSERT_TRUE(store_);
    for (const char* id : {"n-1", "n-2"}) {
      ASSERT_TRUE(
          store_->createIncident(testing::openIncident(id, clock_.now(), R"({"mountpoint":"/"})")));
    }
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store_->appendEvent(i % 2 ? "n-2" : "n-1", clock_.now(), "note", "{}"));
    }
    token_file_ = root_.path() / "api.token";
    testing::writeSecret(token_file_, "abc123\n");
    token_.setFile(token_file_);
  }

  io::HttpResponse call(const std::string& method, const std::string& target,
                        const std::string& token = "abc123", const std::string& body = "") {
    io::HttpRequest r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    r.body = body;
    ApiContext c{token_,
                 {store_.get(), nullptr, clock_, node_, store_error_},
                 [] {
                   return json{{"node_id", "n"}};
                 },
                 nullptr};
    return handleApi(r, c);
  }

  testing::ScratchRoot root_;
  MonotonicWallClock clock_;
  std::unique_ptr<incidents::Store> store_;
  std::filesystem::path token_file_;
  BearerToken token_;
  std::string node_ = "n", store_error_;
};

TEST_F(HttpApiTest, EveryRequestNeedsTheToken) {
  EXPECT_EQ(call("GET", "/v1/status").status, 200);
  auto r = call("GET", "/v1/status", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers.at(0).first, "WWW-Authenticate");
  EXPECT_EQ(call("GET", "/v1/status", "abc124").status, 401);
  EXPECT_EQ(call("GET", "/v1/status", "abc1234").status, 401);
  EXPECT_EQ(call("GET", "/v1/status", "ab").status, 401);
  EXPECT_EQ(call("POST", "/v1/pause", "", R"({"by":"alice"})").status, 401);

  // A rotated token takes effect without a reload; a missing file admits nobody.
  std::ofstream(token_file_) << "rotated-token-value\n";
  EXPECT_EQ(call("GET", "/v1/status").status, 401);
  EXPECT_EQ(call("GET", "/v1/status", "rotated-token-value").status, 200);
  std::filesystem::remove(token_file_);
  r = call("GET", "/v1/status", "rotated-token-value");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("cannot read its token file"), std::string::npos);

  // Without a token file, /v1 is disabled.
  token_.setFile(std::nullopt);
  r = call("GET", "/v1/status");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"], "disabled");
}

TEST_F(HttpApiTest, IncidentsAfterACursorNeverMissOrRepeat) {
  auto r = call("GET", "/v1/incidents?after=0&limit=2");
  ASSERT_EQ(r.status, 200);
  json page = json::parse(r.body);
  ASSERT_EQ(page["events"].size(), 2u);
  EXPECT_EQ(page["events"][0]["seq"], 1);
  EXPECT_EQ(page["events"][1]["seq"], 2);
  EXPECT_EQ(page["next"], 2);
  EXPECT_EQ(page["incidents"]["n-1"]["playbook"], "disk_full");
  EXPECT_EQ(page["incidents"]["n-2"]["labels"]["mountpoint"], "/");

  std::vector<int64_t> seen;
  int64_t cursor = 0;
  for (int i = 0; i < 10; ++i) {
    json p = json::parse(call("GET", "/v1/incidents?limit=2&after=" + std::to_string(cursor)).body);
    for (const auto& e : p["events"]) seen.push_back(e["seq"].get<int64_t>());
    if (p["next"] == cursor) break;
    cursor = p["next"].get<int64_t>();
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5}));

  for (const char* bad : {"/v1/incidents?after=-1", "/v1/incidents?limit=0",
                          "/v1/incidents?limit=1001", "/v1/incidents?after=x"}) {
    EXPECT_EQ(call("GET", bad).status, 400) << bad;
  }
}

TEST_F(HttpApiTest, OneIncidentItsPostmortemAndMistakes) {
  auto r = call("GET", "/v1/incidents/n-1");
  ASSERT_EQ(r.status, 200);
  json inc = json::parse(r.body);
  EXPECT_EQ(inc["id"], "n-1");
  EXPECT_EQ(inc["timeline"].size(), 3u);

  r = call("GET", "/v1/incidents/n-1?format=postmortem");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/markdown; charset=utf-8");
  EXPECT_NE(r.body.find("disk_full"), std::string::npos);

  EXPECT_EQ(call("GET", "/v1/incidents/n-9").status, 404);
  EXPECT_EQ(call("GET", "/v1/incidents/..%2Fetc").status, 404);
  EXPECT_EQ(call("GET", "/v1/incidents/n-1?format=xml").status, 400);
  EXPECT_EQ(call("POST", "/v1/status").status, 405);
  EXPECT_EQ(call("DELETE", "/v1/incidents/n-1").status, 405);
  EXPECT_EQ(call("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(call("GET", "/v1/pause").status, 405);

  // Changing requests say who decides; without the incident manager they are unavailable.
  EXPECT_EQ(call("POST", "/v1/incidents/n-1/ack", "abc123", "").status, 400);
  EXPECT_EQ(call("POST", "/v1/incidents/n-1/ack", "abc123", "[1]").status, 400);
  EXPECT_EQ(call("POST", "/v1/incidents/n-1/ack", "abc123", R"({"by":"a b"})").status, 400);
  EXPECT_EQ(call("POST", "/v1/incidents/n-1/actions/x/approve", "abc123",
                 R"({"approver":"alice","reason":7})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/incidents/n-1/ack", "abc123", R"({"by":"alice"})").status, 503);
}

TEST_F(HttpApiTest, ThePauseIsRecordedOnEveryOpenIncident) {
  auto r = call("POST", "/v1/pause", "abc123", R"({"by":"alice","reason":"maintenance"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["paused"], true);
  EXPECT_EQ(store_->state("paused")->value_or(""), "true");
  auto timeline = *store_->timeline("n-2");
  EXPECT_EQ(timeline.back().kind, "paused");
  EXPECT_EQ(json::parse(timeline.back().data)["by"], "alice");
  EXPECT_EQ(json::parse(timeline.back().data)["reason"], "maintenance");
  ASSERT_EQ(call("POST", "/v1/resume", "abc123", R"({"by":"bob"})").status, 200);
  EXPECT_EQ(store_->state("paused")->value_or(""), "false");
}

TEST_F(HttpApiTest, NamedTokensAreIdentitiesAndARotationIsCheckedAgain) {
  auto ops = root_.path() / "ops.token";
  auto coord = root_.path() / "coordinator.token";
  testing::writeSecret(ops, "ops-secret\n");
  testing::writeSecret(coord, "coord-secret\n");
  token_.setTokens({{"ops", ops}, {"coordinator", coord}});
  std::string name;
  EXPECT_EQ(token_.check("Bearer ops-secret", &name), BearerToken::Check::kOk);
  EXPECT_EQ(name, "ops");
  EXPECT_EQ(token_.check("Bearer coord-secret", &name), BearerToken::Check::kOk);
  EXPECT_EQ(name, "coordinator");
  EXPECT_EQ(token_.check("Bearer abc123", &name), BearerToken::Check::kWrong);

  // The pause is recorded with the caller's words and the token that vouches for them.
  ASSERT_EQ(call("POST", "/v1/pause", "ops-secret", R"({"by":"alice"})").status, 200);
  auto timeline = *store_->timeline("n-1");
  EXPECT_EQ(json::parse(timeline.back().data)["by"], "alice");

  if (::geteuid() == 0) {
    // Rotated in with a mode others may read: refused, as at start-up.
    std::ofstream(ops) << "ops-rotated\n";
    std::filesystem::permissions(ops, std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    EXPECT_EQ(call("GET", "/v1/status", "ops-rotated").status, 401);
    EXPECT_EQ(call("GET", "/v1/status", "coord-secret").status, 200) << "the other still works";
  }
}

TEST_F(HttpApiTest, TriggerNeedsAnOpenStoreAndAWellFormedBody) {
  token_.setTokens({{"ops", token_file_}});
  EXPECT_EQ(call("GET", "/v1/playbooks/security_breach/trigger").status, 405);
  EXPECT_EQ(call("POST", "/v1/playbooks/security_breach/trigger", "abc123", "[1]").status, 400);
  EXPECT_EQ(call("POST", "/v1/playbooks/security_breach/trigger", "abc123",
                 R"({"labels": {"user": "x"}, "dry_run": "yes"})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/v1/playbooks/security_breach/trigger", "abc123",
                 R"({"labels": {"user": "x"}, "by": "a b"})")
                .status,
            400);
  // No manager here (as when the store cannot be opened): unavailable, not a crash.
  EXPECT_EQ(call("POST", "/v1/playbooks/security_breach/trigger", "abc123",
                 R"({"labels": {"user": "x"}})")
                .status,
            503);
}

// /v1 is routed by the command table: every route it declares is answered by its command (here
// without a manager or a validator: unavailable, or the answer of a command that only reads), and
// none is "no such endpoint", "method not allowed" or "no handler".
TEST_F(HttpApiTest, EveryRouteOfTheCommandTableIsServed) {
  int routes = 0;
  for (const io::ControlCommand& c : io::kControlCommands) {
    if (c.route.empty()) continue;
    ++routes;
    std::string route(c.route);
    std::string method = route.substr(0, route.find(' '));
    std::string target = route.substr(route.find(' ') + 1);
    for (auto [field, value] : {std::pair{"{id}", "n-1"},
                                {"{action}", "fix"},
                                {"{playbook}", "disk_full"},
                                {"{after}", "0"},
                                {"{limit}", "2"}}) {
      for (size_t at; (at = target.find(field)) != std::string::npos;)
        target.replace(at, std::string(field).size(), value);
    }
    auto r = call(method, target, "abc123", method == "POST" ? R"({"by":"alice"})" : "");
    EXPECT_NE(r.status, 405) << route << ": " << r.body;
    EXPECT_NE(r.status, 500) << route << ": " << r.body;
    EXPECT_EQ(r.body.find("no such endpoint"), std::string::npos) << route << ": " << r.body;
  }
  EXPECT_GE(routes, 11);
  // The command's checks hold on /v1 as on the socket; a body does not say what the path says.
  EXPECT_EQ(call("POST", "/v1/pause", "abc123", R"({"by":"alice","reason":["x"]})").status, 400);
  auto r = call("POST", "/v1/incidents/n-1/ack", "abc123", R"({"by":"alice","id":"n-2"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("given by the path"), std::string::npos) << r.body;
  r = call("GET", "/v1/incidents/n-1?format=xml");
  EXPECT_NE(r.body.find("json or postmortem"), std::string::npos) << r.body;
  EXPECT_EQ(call("GET", "/v1/incidents/n-1/ack").headers.at(0).second, "POST");
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(constantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(constantTimeEquals("", ""));
  EXPECT_FALSE(constantTimeEquals("a", ""));
}

}  // namespace
}  // namespace novacron::agent
