// firewall_block and firewall_unblock as the broker runs them, each in a network namespace of its
// own: what must stay reachable is refused before nftables is touched, and a block is made,
// listed with its timeout and removed.
#include <gtest/gtest.h>

#include "io/firewall.h"
#include "tests/support/action_run.h"
#include "tests/support/netns.h"

namespace novacron::actions {
namespace {

using json = nlohmann::json;
using testing::inOwnNetns;

// The outcome's state and error, or its result, as one line for the parent to compare.
std::string said(const ActionOutcome& o) {
  return std::string(runStateName(o.state)) + ": " +
         (o.result.contains("error") ? o.result["error"].get<std::string>() : o.result.dump());
}

TEST(FirewallActionTest, WhatMustStayReachableOrIsNotAnAddressIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
  std::string report = inOwnNetns([]() -> std::string {
    novacron::testing::ActionRunner runner;
    runner.settings.keep_hosts = {"192.0.2.10"};
    std::string out;
    auto expect = [&](const json& with, const std::string& want) {
      std::string got = said(runner.run("firewall_block", with));
      if (got != want) out += "got '" + got + "', want '" + want + "'\n";
    };
    expect({{"addresses", {"127.0.0.1"}}},
           "failed: not blocking 127.0.0.1: is loopback; nothing was blocked");
    // All or none: the first address would have been blockable.
    expect({{"addresses", {"203.0.113.7", "192.0.2.0/24"}}},
           "failed: not blocking 192.0.2.0/24: covers 192.0.2.10, which is never blocked; "
           "nothing was blocked");
    expect({{"addresses", {"203.0.113.7"}}, {"timeout", "45d"}},
           "failed: a block's timeout is 1s to 30d");
    runner.values = {{"labels.address", "203.0.113.7 accept"}};
    std::string got = said(runner.run("firewall_block", {{"addresses", {"{labels.address}"}}}));
    if (!got.starts_with("failed: ")) out += "a label with a rule in it was not refused: " + got;
    auto fw = io::Firewall::open();
    if (!fw) return out + fw.error().message;
    auto listed = fw->list();
    if (!listed || !listed->empty()) out += "something was blocked after refusals\n";
    return out;
  });
  EXPECT_EQ(report, "");
}

TEST(FirewallActionTest, ABlockIsListedWithItsTimeoutAndAnUnblockRemovesIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
  std::string report = inOwnNetns([]() -> std::string {
    novacron::testing::ActionRunner runner;
    runner.values = {{"labels.address", "203.0.113.7"}};
    std::string got =
        said(runner.run("firewall_block", {{"addresses", {"{labels.address}", "198.51.100.0/24"}},
                                           {"timeout", "2h"}}));
    if (got != R"(done: {"blocked":["203.0.113.7","198.51.100.0/24"],"timeout":"2h"})")
      return "block: " + got;
    auto fw = io::Firewall::open();
    if (!fw) return fw.error().message;
    auto listed = fw->list();
    if (!listed || listed->size() != 2) return "not listed";
    for (const auto& b : *listed)
      if (b.timeout != std::chrono::hours(2)) return "timeout " + std::to_string(b.timeout.count());
    got = said(runner.run("firewall_unblock", {{"addresses", {"203.0.113.7", "198.51.100.0/24"}}}));
    if (!got.starts_with("done: ")) return "unblock: " + got;
    listed = fw->list();
    if (!listed || !listed->empty()) return "still listed after the unblock";
    return "";
  });
  EXPECT_EQ(report, "");
}

}  // namespace
}  // namespace novacron::actions
