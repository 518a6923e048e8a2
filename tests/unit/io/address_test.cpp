#include "io/address.h"

#include <gtest/gtest.h>

namespace novacron::io {
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
  std::vector<Kept> keep = {{*parseNetwork("192.0.2.10")},
                            {*parseNetwork("2001:db8:1::5")},
                            {*parseNetwork("198.51.100.1"), "a default gateway"}};
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
  EXPECT_EQ(why("198.51.100.0/24"),
            "covers 198.51.100.1 (a default gateway), which is never blocked");
  EXPECT_EQ(why("192.0.2.11"), "");
  EXPECT_EQ(why("203.0.113.0/24"), "");
  EXPECT_EQ(why("2001:db8:2::/48"), "");
}

// The routing tables as the kernel lists them (this machine's, and the hostile or broken lines a
// file could hold): only a default route through a gateway counts.
TEST(AddressTest, DefaultGatewaysAreReadFromTheKernelsRoutingTables) {
  const char* route =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
      "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
      "eth1\t00000000\t0101A8C0\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"  // no RTF_GATEWAY
      "eth2\t00000000\tZZ0200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"  // not hex
      "eth3\t00000000\t010200C0\n";                                   // cut short
  const char* route6 =
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "20010db8000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  std::vector<std::string> got;
  for (const auto& n : parseDefaultGateways(route, route6)) got.push_back(n.str());
  EXPECT_EQ(got, (std::vector<std::string>{"192.0.2.1", "2001:db8::1"}));
  EXPECT_TRUE(parseDefaultGateways("", "").empty());
  EXPECT_TRUE(parseDefaultGateways(std::string(100000, '0'), std::string(3, '\n')).empty());
}

TEST(AddressTest, NameserversAreReadFromResolvConf) {
  const char* conf =
      "# nameserver 192.0.2.99\n"
      "; nameserver 192.0.2.98\n"
      "search example.com\n"
      "nameserver 10.255.255.53\n"
      "nameserver\tfe80::1%eth0\n"
      "nameserver 2001:db8::53\n"
      "nameserver not-an-address\n"
      "nameserver 192.0.2.0/24\n"
      "nameserver\n"
      "options ndots:2";
  std::vector<std::string> got;
  for (const auto& n : parseNameservers(conf)) got.push_back(n.str());
  EXPECT_EQ(got,
            (std::vector<std::string>{"10.255.255.53", "fe80::1", "2001:db8::53", "192.0.2.0/24"}));
}

}  // namespace
}  // namespace novacron::io
