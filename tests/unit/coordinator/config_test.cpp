#include "coordinator/config.h"

#include <gtest/gtest.h>

#include "coordinator/tokens.h"

namespace novacron::coordinator {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> problems(const std::string& text) {
  auto r = parseConfig(text, "c.yaml");
  std::vector<std::string> out;
  if (auto* d = std::get_if<Diagnostics>(&r)) {
    for (const auto& x : *d) out.push_back(x.str());
  }
  return out;
}

TEST(CoordinatorConfigTest, DefaultsAndEveryKey) {
  auto empty = parseConfig("", "c.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(empty));
  const Config& d = std::get<Config>(empty);
  EXPECT_EQ(d.listen.str(), "127.0.0.1:9300");
  EXPECT_EQ(d.pool_size, 8u);
  EXPECT_EQ(d.silent_after, 3min);
  EXPECT_FALSE(servingProblem(d).has_value());

  auto r = parseConfig(
      "id: coord-2\nlisten: 0.0.0.0:9443\ntls: {cert: /c.pem, key: /k.pem, client_ca: /ca.pem}\n"
      "database: {dsn_file: /d, pool: 3, max_waiting: 9, timeout: 2s}\n"
      "ingest: {max_body_bytes: 100000, max_events: 10}\nfleet: {silent_after: 1m}\n"
      "retention: 60d\nmax_connections: 500\n",
      "c.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(r)) << ::testing::PrintToString(problems(""));
  const Config& c = std::get<Config>(r);
  EXPECT_EQ(c.id, "coord-2");
  EXPECT_EQ(c.listen.str(), "0.0.0.0:9443");
  EXPECT_EQ(c.tls_client_ca, "/ca.pem");
  EXPECT_EQ(c.dsn_file, "/d");
  EXPECT_EQ(c.pool_size, 3u);
  EXPECT_EQ(c.pool_max_waiting, 9u);
  EXPECT_EQ(c.db_timeout, 2s);
  EXPECT_EQ(c.max_body_bytes, 100000u);
  EXPECT_EQ(c.max_events, 10u);
  EXPECT_EQ(c.silent_after, 1min);
  EXPECT_EQ(c.retention, 24h * 60);
  EXPECT_EQ(c.max_connections, 500u);
  EXPECT_FALSE(servingProblem(c).has_value());
}

TEST(CoordinatorConfigTest, MistakesArePositionedAndPlainHttpBeyondLoopbackIsRefused) {
  // Every problem at once, each where it is.
  EXPECT_EQ(problems("listen: example.com:80\ndatabase: {pool: 0}\ntls: {cert: /c}\nfoo: 1\n"),
            (std::vector<std::string>{
                "c.yaml:4:1: unknown key 'foo' in the configuration (expected one of: id, listen, "
                "allow_plain_http, tls, database, ingest, fleet, alertmanager, poll, retention, "
                "max_connections)",
                "c.yaml:1:9: listen: the host must be an IP address such as 127.0.0.1 or [::1] "
                "(no name lookups)",
                "c.yaml:3:6: tls needs both cert and key",
                "c.yaml:2:18: database.pool must be between 1 and 256, not 0"}));
  auto open = std::get<Config>(parseConfig("listen: 0.0.0.0:9300\n", "c.yaml"));
  ASSERT_TRUE(servingProblem(open).has_value());
  EXPECT_NE(servingProblem(open)->find("in the clear"), std::string::npos);
  auto allowed =
      std::get<Config>(parseConfig("listen: 0.0.0.0:9300\nallow_plain_http: true\n", "c.yaml"));
  EXPECT_FALSE(servingProblem(allowed).has_value());
}

TEST(CoordinatorTokensTest, TokensAreRandomHashedAndReadFromTheHeader) {
  auto a = newToken("node"), b = newToken("reader");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 68u);
  EXPECT_TRUE(a->starts_with("ncn_"));
  EXPECT_TRUE(b->starts_with("ncr_"));
  EXPECT_NE(*a, *newToken("node"));
  EXPECT_EQ(tokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(bearerToken("Bearer ncn_1 "), "ncn_1");
  EXPECT_EQ(bearerToken("bearer ncn_1"), "");
  EXPECT_EQ(bearerToken("Bearer "), "");
  EXPECT_EQ(bearerToken("Basic YTpi"), "");
  EXPECT_EQ(bearerToken("Bearer " + std::string(300, 'x')), "");
}

}  // namespace
}  // namespace novacron::coordinator
