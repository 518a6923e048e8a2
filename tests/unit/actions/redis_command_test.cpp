#include <gtest/gtest.h>

#include "tests/support/action_run.h"
#include "tests/support/fixture.h"
#include "tests/support/redis_server.h"

namespace novacron::actions {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

struct RedisCommandTest : ::testing::Test {
  RedisServer redis{"pw-1"};
  testing::ActionRunner runner;
  void SetUp() override {
    auto pw = redis.dir() / "password";
    testing::writeSecret(pw, "pw-1\n");
    collectors::RedisConfig c;
    c.name = "cache";
    c.address = {"127.0.0.1", redis.port(), {}};
    c.credentials.password_file = pw;
    runner.settings.redis = {c};
  }
};

TEST_F(RedisCommandTest, FlushdbAsyncEmptiesTheDatabaseItNames) {
  ASSERT_EQ(redis.command("SET a 1"), "+OK\r\n");
  ASSERT_EQ(redis.command("SET b 2"), "+OK\r\n");
  ASSERT_EQ(redis.command("MOVE b 3"), ":1\r\n");  // b is now db 3's only key
  ASSERT_NE(redis.command("INFO keyspace").find("db3:keys=1"), std::string::npos);
  auto o = runner.run("redis_command", {{"command", "FLUSHDB ASYNC"}, {"db", 3}});
  EXPECT_EQ(o.state, actions::RunState::kDone) << o.result.dump();
  EXPECT_EQ(o.result["command"], "FLUSHDB ASYNC");
  EXPECT_EQ(o.result["reply"], "OK");
  EXPECT_EQ(redis.command("INFO keyspace").find("db3:"), std::string::npos) << "db 3 is empty";
  EXPECT_EQ(redis.command("DBSIZE"), ":1\r\n") << "db 0 is untouched";
  auto all = runner.run("redis_command", {{"instance", "cache"}, {"command", "flushall async"}});
  EXPECT_EQ(all.state, actions::RunState::kDone) << all.result.dump();
  for (int i = 0; i < 500 && redis.command("DBSIZE") != ":0\r\n"; ++i)
    std::this_thread::sleep_for(10ms);  // ASYNC frees in the background; the keys go at once
  EXPECT_EQ(redis.command("DBSIZE"), ":0\r\n");
}

TEST_F(RedisCommandTest, ClientKillAndConfigSetDoWhatTheySay) {
  auto other = testing::RawSocket::tcp(redis.port());
  ASSERT_TRUE(other.send("AUTH pw-1\r\n"));
  ASSERT_EQ(other.receive(5s, "\r\n"), "+OK\r\n");
  auto kill = runner.run("redis_command", {{"command", "CLIENT KILL TYPE normal"}});
  EXPECT_EQ(kill.state, actions::RunState::kDone) << kill.result.dump();
  EXPECT_GE(kill.result["reply"].get<int>(), 1);
  EXPECT_EQ(other.receive(5s), "") << "the other client was disconnected";
  auto policy =
      runner.run("redis_command", {{"command", "CONFIG SET maxmemory-policy allkeys-lru"}});
  EXPECT_EQ(policy.state, actions::RunState::kDone) << policy.result.dump();
  EXPECT_NE(redis.command("CONFIG GET maxmemory-policy").find("allkeys-lru"), std::string::npos);
}

TEST_F(RedisCommandTest, AnythingElseIsRefusedBeforeAByteIsSent) {
  for (const char* bad : {"FLUSHALL", "SHUTDOWN", "CONFIG SET dir /etc", "DEBUG SLEEP 10"}) {
    auto o = runner.run("redis_command", {{"command", bad}});
    EXPECT_EQ(o.state, actions::RunState::kFailed) << bad;
    EXPECT_NE(o.result.dump().find("not a recovery command"), std::string::npos) << o.result.dump();
  }
  EXPECT_NE(redis.command("PING"), "") << "the server is still there";
  auto unknown = runner.run("redis_command", {{"instance", "other"}, {"command", "MEMORY PURGE"}});
  EXPECT_EQ(unknown.state, actions::RunState::kFailed);
  EXPECT_NE(unknown.result.dump().find("no Redis instance named other"), std::string::npos);
}

TEST_F(RedisCommandTest, AFrozenServerEndsTheRunAtItsTimeout) {
  redis.freeze(true);
  auto started = std::chrono::steady_clock::now();
  auto o = runner.run("redis_command", {{"command", "MEMORY PURGE"}}, 1s);
  redis.freeze(false);
  EXPECT_EQ(o.state, actions::RunState::kFailed) << o.result.dump();
  EXPECT_NE(o.result.dump().find("within"), std::string::npos) << o.result.dump();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

}  // namespace
}  // namespace novacron::actions
