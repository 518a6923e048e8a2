#include "collectors/host/network.h"

#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::countOf;
using testing::fixtureRoot;
using testing::valueOf;

metrics::Labels iface(const char* name) { return {{"interface", name}}; }

TEST(NetDevParseTest, RealCapture) {
  auto text = readWholeFile(fixtureRoot("real") / "proc/net/dev");
  ASSERT_TRUE(text.has_value());
  auto ifs = parseNetDev(*text);
  ASSERT_TRUE(ifs.has_value()) << ifs.error().message;
  ASSERT_EQ(ifs->size(), 4u);
  EXPECT_EQ((*ifs)[3].name, "eth0");
  EXPECT_EQ((*ifs)[3].counters[InterfaceCounters::kRxBytes], 64587544u);
  EXPECT_EQ((*ifs)[3].counters[InterfaceCounters::kTxPackets], 1342u);
}

TEST(NetworkCollectorTest, RatesWrapsResetsAndVanishedInterfaces) {
  testing::ScratchRoot root;
  root.load("t0");
  NetworkCollector net(root.path());
  auto first = net.collect(at(), 100ms);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->empty()) << "the first sample has no rates";

  root.load("t1");
  auto s = net.collect(at(1s), 100ms);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(valueOf(*s, "novacron_network_receive_bytes_per_second", iface("eth0")), 500000.0);
  EXPECT_EQ(valueOf(*s, "novacron_network_receive_packets_per_second", iface("eth0")), 500.0);
  EXPECT_EQ(valueOf(*s, "novacron_network_receive_drops_per_second", iface("eth0")), 2.0);
  EXPECT_EQ(valueOf(*s, "novacron_network_receive_errors_per_second", iface("eth0")), 0.0);
  // A 32-bit transmit counter wrapped: counted across the wrap.
  EXPECT_EQ(valueOf(*s, "novacron_network_transmit_bytes_per_second", iface("eth0")), 2000.0);
  // A 64-bit counter that went down was reset: no honest rate this time.
  EXPECT_FALSE(valueOf(*s, "novacron_network_receive_bytes_per_second", iface("ifb0")).has_value());
  EXPECT_EQ(valueOf(*s, "novacron_network_receive_packets_per_second", iface("ifb0")), 1.0);
  // docker0 vanished; eth1 is new and has no baseline.
  EXPECT_FALSE(
      valueOf(*s, "novacron_network_receive_bytes_per_second", iface("docker0")).has_value());
  EXPECT_FALSE(valueOf(*s, "novacron_network_receive_bytes_per_second", iface("eth1")).has_value());
  EXPECT_EQ(countOf(*s, "novacron_network_receive_bytes_per_second"), 2u);  // lo, eth0
}

TEST(NetworkCollectorTest, MissingAndMalformedAreErrors) {
  NetworkCollector missing(fixtureRoot("empty"));
  testing::expectCollectError(missing, ErrorCode::kNotFound);
  NetworkCollector bad(fixtureRoot("malformed"));
  testing::expectCollectError(bad, ErrorCode::kMalformed);
}

TEST(CounterDeltaTest, Cases) {
  struct Case {
    uint64_t prev, cur;
    std::optional<uint64_t> want;
  } cases[] = {
      {10, 15, 5},
      {7, 7, 0},
      {4294967000u, 96, 392},                    // 32-bit wrap from the upper half
      {1000, 5, std::nullopt},                   // small counter went down: reset, not a wrap
      {9000000000000ull, 100, std::nullopt},     // 64-bit counter went down: reset
      {4294967000u, 3000000000u, std::nullopt},  // lands in the upper half again: not a wrap
  };
  for (const auto& c : cases)
    EXPECT_EQ(counterDelta(c.prev, c.cur), c.want) << c.prev << " -> " << c.cur;
}

}  // namespace
}  // namespace novacron::collectors
