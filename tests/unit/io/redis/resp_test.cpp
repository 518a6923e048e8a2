#include "io/redis/resp.h"

#include <gtest/gtest.h>

#include "io/redis/recovery_commands.h"

namespace novacron::io {
namespace {

using Type = RedisReply::Type;

// Every reply in `bytes`, fed one byte at a time, as a slow server would send them.
std::vector<RedisReply> readAll(const std::string& bytes, size_t limit = 256 * 1024) {
  RespReader reader(limit);
  std::vector<RedisReply> out;
  for (char c : bytes) {
    reader.feed(std::string_view(&c, 1));
    for (;;) {
      auto r = reader.next();
      EXPECT_TRUE(r.has_value()) << r.error().message;
      if (!r || !*r) break;
      out.push_back(std::move(**r));
    }
  }
  return out;
}

TEST(RespReaderTest, EveryReplyTypeByteByByte) {
  auto replies = readAll(
      "+OK\r\n-NOAUTH Authentication required.\r\n:42\r\n$5\r\nhello\r\n$-1\r\n"
      "*3\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n$0\r\n\r\n*0\r\n");
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[0].type, Type::kStatus);
  EXPECT_EQ(replies[0].str, "OK");
  EXPECT_EQ(replies[1].type, Type::kError);
  EXPECT_EQ(replies[1].str, "NOAUTH Authentication required.");
  EXPECT_EQ(replies[2].type, Type::kInteger);
  EXPECT_EQ(replies[2].integer, 42);
  EXPECT_EQ(replies[3].type, Type::kString);
  EXPECT_EQ(replies[3].str, "hello");
  EXPECT_EQ(replies[4].type, Type::kNil);
  ASSERT_EQ(replies[5].type, Type::kArray);
  ASSERT_EQ(replies[5].elements.size(), 3u);
  EXPECT_EQ(replies[5].elements[0].str, "a");
  ASSERT_EQ(replies[5].elements[1].elements.size(), 2u);
  EXPECT_EQ(replies[5].elements[1].elements[1].integer, 2);
  EXPECT_EQ(replies[5].elements[2].str, "");
  EXPECT_EQ(replies[6].type, Type::kArray);
  EXPECT_TRUE(replies[6].elements.empty());
}

TEST(RespReaderTest, BinaryBulkStringsKeepEveryByte) {
  std::string value("a\r\n\0\xff-b", 7);
  auto replies = readAll("$7\r\n" + value + "\r\n");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].str, value);
}

TEST(RespReaderTest, HostileRepliesFailCleanly) {
  struct Case {
    std::string bytes;
    std::string why;
  };
  for (const auto& c : std::vector<Case>{
           {"?what\r\n", "not the Redis protocol"},
           {"*2147483647\r\n", "not the Redis protocol"},  // refused before any allocation
           {"*99999\r\n", "not the Redis protocol"},
           {"$" + std::to_string(1 << 20) + "\r\n" + std::string(300 * 1024, 'x'), "larger than"},
           {"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "not the Redis"},
       }) {
    RespReader reader(256 * 1024);
    reader.feed(c.bytes);
    auto r = reader.next();
    ASSERT_FALSE(r.has_value()) << c.bytes.substr(0, 40);
    EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    // Failed for good: more input does not revive it.
    reader.feed("+OK\r\n");
    EXPECT_FALSE(reader.next().has_value());
  }
}

TEST(RespReaderTest, TheLimitCountsOneReplyNotTheConnection) {
  RespReader reader(64);
  std::string reply = "$40\r\n" + std::string(40, 'x') + "\r\n";
  for (int i = 0; i < 10; ++i) {
    reader.feed(reply);
    auto r = reader.next();
    ASSERT_TRUE(r.has_value()) << i << ": " << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->str.size(), 40u);
  }
}

TEST(RespCommandTest, ArgumentsAreLengthPrefixedSoNoneStartsAnotherCommand) {
  EXPECT_EQ(formatRedisCommand({"INFO"}), "*1\r\n$4\r\nINFO\r\n");
  EXPECT_EQ(formatRedisCommand({"AUTH", "pw\r\nFLUSHALL"}),
            "*2\r\n$4\r\nAUTH\r\n$12\r\npw\r\nFLUSHALL\r\n");
}

TEST(RecoveryCommandTest, OnlyTheAllowListPasses) {
  auto argv = [](std::string_view s) {
    auto r = recoveryCommand(s);
    return r ? *r : std::vector<std::string>{"refused"};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(argv("FLUSHDB ASYNC"), (V{"FLUSHDB", "ASYNC"}));
  EXPECT_EQ(argv("flushall  async"), (V{"FLUSHALL", "ASYNC"}));
  EXPECT_EQ(argv("MEMORY PURGE"), (V{"MEMORY", "PURGE"}));
  EXPECT_EQ(argv("CLIENT KILL TYPE normal"),
            (V{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}));
  EXPECT_EQ(argv("client kill type PUBSUB"),
            (V{"CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"}));
  EXPECT_EQ(argv("CONFIG SET maxmemory-policy allkeys-lru"),
            (V{"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}));
  for (const char* bad :
       {"FLUSHDB", "FLUSHALL", "FLUSHDB SYNC", "FLUSHDB ASYNC extra", "CLIENT KILL TYPE master",
        "CLIENT KILL TYPE replica", "CLIENT KILL ADDR 1.2.3.4:5", "CONFIG SET maxmemory 1",
        "CONFIG SET maxmemory-policy evil", "CONFIG SET dir /etc", "DEBUG SEGFAULT", "SHUTDOWN",
        "KEYS *", "EVAL x 0", "", "FLUSHDB\nASYNC", "FLUSHDB\tASYNC", "MODULE LOAD /tmp/x.so"}) {
    auto r = recoveryCommand(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find("allowed: FLUSHDB ASYNC"), std::string::npos);
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line";
  }
}

}  // namespace
}  // namespace novacron::io
