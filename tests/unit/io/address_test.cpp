#include "io/address.h"

#include <gtest/gtest.h>

namespace novacron::firewall {
namespace {

std::string canonical(std::string_view text) {
  auto n = parseNetwork(text);
  return n ? n->str() : "refused: " + n.error().message;
}

TEST(AddressTest, AddressesAndNetworksAreReadExactly) {
  EXPECT_EQ(canonical("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(canonical("203.0.113.7/32"), "203.0.113.7");
  EXPECT_EQ(canonical("198.51.100.0/24"), "198.51.100.0/24");
  EXPECT_EQ(canonical("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical("2001:db8::/48"), "2001:db8::/48");
}

TEST(AddressTest, AnythingElseIsRefusedWithTheReason) {
  EXPECT_EQ(canonical(""), "refused: address '' is empty");
  EXPECT_EQ(canonical(" 203.0.113.7"),
            "refused: address ' 203.0.113.7' is not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical("203.0.113.7\n-j ACCEPT"),
            "refused: address '203.0.113.7?-j ACCEPT' is not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical("example.com"),
            "refused: address 'example.com' is not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical("203.0.113.07"),
            "refused: address '203.0.113.07' is not an IPv4 or IPv6 address");
  EXPECT_EQ(canonical("203.0.113.0/33"),
            "refused: address '203.0.113.0/33' has no prefix length from 0 to 32");
  EXPECT_EQ(canonical("203.0.113.0/+24"),
            "refused: address '203.0.113.0/+24' has no prefix length from 0 to 32");
  EXPECT_EQ(canonical("203.0.113.0/"),
            "refused: address '203.0.113.0/' has no prefix length from 0 to 32");
  EXPECT_EQ(canonical("203.0.113.7/24"),
            "refused: address '203.0.113.7/24' has host bits set; the network is 203.0.113.0/24");
  EXPECT_EQ(canonical("10.0.0.0/8"),
            "refused: address '10.0.0.0/8' is wider than /16, the widest network a block may "
            "cover");
  EXPECT_EQ(canonical("0.0.0.0/0"),
            "refused: address '0.0.0.0/0' is wider than /16, the widest network a block may "
            "cover");
  EXPECT_EQ(canonical("2001:db8::/32"),
            "refused: address '2001:db8::/32' is wider than /48, the widest network a block may "
            "cover");
  EXPECT_EQ(canonical("::ffff:203.0.113.7"),
            "refused: address '::ffff:203.0.113.7' is an IPv4-mapped IPv6 address; write the IPv4 "
            "address");
}

TEST(AddressTest, WhatKeepsTheHostReachableIsNeverBlocked) {
  std::vector<Network> keep = {*parseNetwork("192.0.2.10"), *parseNetwork("2001:db8:1::5")};
  auto why = [&](std::string_view text) { return protectedReason(*parseNetwork(text), keep); };
  EXPECT_EQ(why("127.0.0.1"), "is loopback");
  EXPECT_EQ(why("127.255.0.0/16"), "is loopback");
  EXPECT_EQ(why("::1"), "is loopback");
  EXPECT_EQ(why("169.254.10.0/24"), "is link-local");
  EXPECT_EQ(why("fe80::1"), "is link-local");
  EXPECT_EQ(why("0.0.0.0"), "is the unspecified address");
  EXPECT_EQ(why("224.0.0.1"), "is multicast or reserved");
  EXPECT_EQ(why("ff02::1"), "is multicast");
  EXPECT_EQ(why("192.0.2.10"), "is 192.0.2.10, which is never blocked");
  EXPECT_EQ(why("192.0.0.0/16"), "covers 192.0.2.10, which is never blocked");
  EXPECT_EQ(why("2001:db8:1::/48"), "covers 2001:db8:1::5, which is never blocked");
  EXPECT_EQ(why("192.0.2.11"), "");
  EXPECT_EQ(why("203.0.113.0/24"), "");
  EXPECT_EQ(why("2001:db8:2::/48"), "");
}

}  // namespace
}  // namespace novacron::firewall
