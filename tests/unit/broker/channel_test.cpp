#include "broker/channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace novacron::broker {
namespace {

Message health(uint32_t id) {
  Message m;
  m.verb = Verb::kHealth;
  m.id = id;
  return m;
}

TEST(BrokerChannelTest, AMessageAndItsDescriptorsArrive) {
  auto pair = channelPair();
  ASSERT_TRUE(pair.has_value()) << pair.error().message;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Fd read_end(p[0]), write_end(p[1]);
  ASSERT_TRUE(send(pair->first.get(), health(5), {read_end.get()}).has_value());
  read_end = Fd();  // the copy in flight keeps the pipe open
  auto got = receive(pair->second.get());
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->message.verb, Verb::kHealth);
  EXPECT_EQ(got->message.id, 5u);
  ASSERT_EQ(got->fds.size(), 1u);
  ASSERT_EQ(::write(write_end.get(), "evidence", 8), 8);
  char buf[8];
  ASSERT_EQ(::read(got->fds[0].get(), buf, sizeof(buf)), 8);
  EXPECT_EQ(std::string(buf, 8), "evidence");
}

TEST(BrokerChannelTest, AnOversizedOrMalformedDatagramIsRefusedAndTheNextOneStillArrives) {
  auto pair = channelPair();
  ASSERT_TRUE(pair.has_value());
  std::string huge(kMaxMessageBytes + 100, 'N');
  ASSERT_EQ(::send(pair->first.get(), huge.data(), huge.size(), 0),
            static_cast<ssize_t>(huge.size()));
  ASSERT_EQ(::send(pair->first.get(), "garbage", 7, 0), 7);
  ASSERT_TRUE(send(pair->first.get(), health(6)).has_value());
  auto r = receive(pair->second.get());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "broker channel: a datagram over 65536 bytes");
  r = receive(pair->second.get());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "broker message: shorter than its header");
  r = receive(pair->second.get());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->message.id, 6u);
}

TEST(BrokerChannelTest, APeerThatHasGoneIsUnavailable) {
  auto pair = channelPair();
  ASSERT_TRUE(pair.has_value());
  pair->first = Fd();
  auto r = receive(pair->second.get());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(send(pair->second.get(), health(1)).has_value());
}

}  // namespace
}  // namespace novacron::broker
