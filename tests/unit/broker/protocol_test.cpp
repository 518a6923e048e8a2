#include "broker/protocol.h"

#include <gtest/gtest.h>

namespace novacron::broker {
namespace {

Message startRun() {
  Message m;
  m.verb = Verb::kRunAction;
  m.id = 7;
  m.text[Tag::kPlaybook] = "disk_full";
  m.text[Tag::kAction] = "clean_tmp";
  m.text[Tag::kIncident] = "inc-42";
  m.text[Tag::kType] = "exec";
  m.number[Tag::kRun] = 17;
  m.lists[Tag::kExpect] = {"argv=/usr/bin/find", "argv=/tmp", "argv=-mtime", "argv=+7",
                           "argv=-delete"};
  // A value from the host: bytes that are not text, a newline, a leading dash.
  m.lists[Tag::kValue] = {
      "labels.mount=/srv/donn\xe9"
      "es\n-rf",
      "labels.device=/dev/sda1"};
  return m;
}

bool same(const Message& a, const Message& b) {
  return a.verb == b.verb && a.id == b.id && a.text == b.text && a.number == b.number &&
         a.lists == b.lists;
}

TEST(BrokerProtocolTest, EveryVerbRoundTrips) {
  std::vector<Message> all;
  all.push_back(startRun());
  Message hello;
  hello.verb = Verb::kHello;
  hello.number[Tag::kVersion] = kProtocolVersion;
  all.push_back(hello);
  Message block;
  block.verb = Verb::kRunAction;
  block.text[Tag::kPlaybook] = "security_breach";
  block.text[Tag::kAction] = "block_addresses";
  block.text[Tag::kType] = "firewall_block";
  block.text[Tag::kIncident] = "inc-3";
  block.number[Tag::kRun] = 4;
  block.lists[Tag::kExpect] = {"addresses=203.0.113.7", "addresses=2001:db8::/48",
                               "timeout_ms=3600000"};
  all.push_back(block);
  Message ended;
  ended.verb = Verb::kRunEnded;
  ended.number[Tag::kRun] = 9;
  ended.text[Tag::kState] = "timed_out";
  all.push_back(ended);
  Message reply;
  reply.verb = Verb::kReply;
  reply.id = 7;
  reply.number[Tag::kOk] = 0;
  reply.text[Tag::kError] = "disk_full has no action clean_tmpp";
  all.push_back(reply);
  for (const auto& m : all) {
    auto bytes = encode(m);
    ASSERT_TRUE(bytes.has_value()) << verbName(m.verb) << ": " << bytes.error().message;
    auto back = decode(*bytes);
    ASSERT_TRUE(back.has_value()) << verbName(m.verb) << ": " << back.error().message;
    EXPECT_TRUE(same(m, *back)) << verbName(m.verb);
  }
}

TEST(BrokerProtocolTest, TheEncoderRefusesWhatTheDecoderWould) {
  Message m = startRun();
  m.text[Tag::kDescription] = "ssh.service";  // run_action takes no description
  EXPECT_EQ(encode(m).error().message, "broker message: run_action has no description");
  m = startRun();
  m.text.erase(Tag::kAction);
  EXPECT_EQ(encode(m).error().message, "broker message: run_action needs action");
  m = startRun();
  m.text[Tag::kPlaybook] = std::string("disk\0full", 9);
  EXPECT_EQ(encode(m).error().message, "broker message: playbook holds a NUL byte");
  m = startRun();
  m.lists[Tag::kValue].push_back("no_equals_sign");
  EXPECT_EQ(encode(m).error().message, "broker message: value is not NAME=VALUE");
  m = startRun();
  m.lists[Tag::kValue] = std::vector<std::string>(kMaxItems + 1, "a=b");
  EXPECT_EQ(encode(m).error().message, "broker message: more than 256 items");
  m = startRun();
  m.lists[Tag::kValue] = std::vector<std::string>(20, "a=" + std::string(kMaxFieldBytes - 2, 'x'));
  EXPECT_EQ(encode(m).error().message, "broker message: larger than 65536 bytes");
}

TEST(BrokerProtocolTest, EveryMalformedDatagramIsRefusedWithItsReason) {
  std::string good = *encode(startRun());
  auto why = [](std::string_view bytes) {
    auto r = decode(bytes);
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_EQ(why(""), "broker message: shorter than its header");
  EXPECT_EQ(why("XX" + good.substr(2)), "broker message: not a broker message");
  std::string v3 = good;
  v3[2] = 3;
  EXPECT_EQ(why(v3), "broker message: protocol version 3, expected 2");
  std::string verb = good;
  verb[4] = 55;
  EXPECT_EQ(why(verb), "broker message: unknown verb 55");
  EXPECT_EQ(why(good.substr(0, good.size() - 1)), "broker message: expect is cut short");
  EXPECT_EQ(why(good + "x"), "broker message: bytes after the last field");
  std::string fewer = good;
  fewer[6] = 0;  // no fields: the required ones are missing
  EXPECT_EQ(why(fewer.substr(0, 12)), "broker message: run_action needs playbook");
  std::string more = good;
  more[6] = static_cast<char>(more[6] + 1);
  EXPECT_EQ(why(more), "broker message: a field is cut short");
  // A field given twice: the header says one more field, and the playbook field is repeated.
  std::string twice = *encode(startRun());
  twice[6] = static_cast<char>(twice[6] + 1);
  twice += twice.substr(12, 6 + 9);  // tag, length and "disk_full"
  EXPECT_EQ(why(twice), "broker message: playbook given twice");
  EXPECT_EQ(why(std::string(kMaxMessageBytes + 1, 'N')), "broker message: larger than 65536 bytes");
}

}  // namespace
}  // namespace novacron::broker
