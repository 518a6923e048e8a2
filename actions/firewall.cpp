// firewall_block and firewall_unblock: the runbook's "block suspicious IPs", on the nftables
// block set of io/firewall.h. Both run in the broker, as root; the addresses come from
// placeholders, so each is parsed exactly and checked against what must stay reachable.
#include <ifaddrs.h>
#include <netdb.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "actions/action_runners.h"
#include "base/duration.h"
#include "base/guard.h"
#include "base/proc_file.h"
#include "io/address.h"
#include "io/firewall.h"
#include "policy/substitute.h"

namespace novacron::actions {

using json = nlohmann::json;
using io::Network;

namespace {

constexpr std::chrono::seconds kDefaultTimeout = std::chrono::hours(1);

std::string readOrEmpty(const char* path) {
  auto text = readWholeFile(path);
  return text ? *text : std::string();
}

// What must stay reachable whatever a label says: every address of this host, its default
// gateways and DNS resolvers as they are now (cut off from them, the host is cut off from
// everything, the coordinator and the operator included), and the coordinator, Alertmanager and
// notify endpoints as they resolve now.
std::vector<io::Kept> keepList(const std::vector<std::string>& keep_hosts) {
  std::vector<io::Kept> keep;
  if (ifaddrs* all = nullptr; ::getifaddrs(&all) == 0) {
    for (ifaddrs* i = all; i; i = i->ifa_next) {
      if (i->ifa_addr && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
        keep.push_back({io::hostOf(i->ifa_addr), "this host's"});
    }
    ::freeifaddrs(all);
  }
  for (const auto& n : io::parseDefaultGateways(readOrEmpty("/proc/net/route"),
                                                readOrEmpty("/proc/net/ipv6_route")))
    keep.push_back({n, "a default gateway"});
  for (const auto& n : io::parseNameservers(readOrEmpty("/etc/resolv.conf")))
    keep.push_back({n, "a DNS resolver of /etc/resolv.conf"});
  for (const auto& host : keep_hosts) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) continue;
    for (addrinfo* a = res; a; a = a->ai_next) {
      if (a->ai_family == AF_INET || a->ai_family == AF_INET6) {
        Network n = io::hostOf(a->ai_addr);
        keep.push_back({n, n.str() == host ? "" : host});
      }
    }
    ::freeaddrinfo(res);
  }
  return keep;
}

// The action's addresses with their placeholders filled, each parsed exactly.
Result<std::vector<Network>> targets(const json& with,
                                     const std::map<std::string, std::string>& values) {
  std::vector<Network> out;
  for (const auto& t : with.value("addresses", json::array())) {
    if (!t.is_string()) return makeError(ErrorCode::kMalformed, "addresses are strings");
    auto text = policy::substitute(t.get<std::string>(), values);
    if (!text) return text.error();
    auto n = io::parseNetwork(*text);
    if (!n) return n.error();
    out.push_back(*n);
  }
  if (out.empty()) return makeError(ErrorCode::kInvalidArgument, "no address to act on");
  return out;
}

json names(const std::vector<Network>& networks) {
  json out = json::array();
  for (const auto& n : networks) out.push_back(n.str());
  return out;
}

// libnftables and the name lookups block: the work goes to the workers, the end to the loop.
void offLoop(const ActionEnv& env, std::function<ActionOutcome()> work, ActionDone done) {
  boost::asio::post(
      env.workers, [&io = env.io, work = std::move(work), done = std::move(done)]() mutable {
        ActionOutcome outcome = failed("the firewall could not be changed (an internal error)");
        guarded("a firewall action", [&] { outcome = work(); });
        boost::asio::post(io, [done = std::move(done), outcome = std::move(outcome)]() mutable {
          done(std::move(outcome));
        });
      });
}

}  // namespace

Result<std::chrono::seconds> firewallTimeout(const json& with) {
  if (!with.contains("timeout")) return kDefaultTimeout;
  auto d = parseDuration(with.value("timeout", std::string()));
  if (!d) return d.error();
  auto s = std::chrono::duration_cast<std::chrono::seconds>(*d);
  if (s < std::chrono::seconds(1) || s > std::chrono::days(30))
    return makeError(ErrorCode::kInvalidArgument, "a block's timeout is 1s to 30d");
  return s;
}

void runFirewallBlock(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto networks = targets(request.spec.with, request.values);
  if (!networks) return done(failed(networks.error().message));
  auto timeout = firewallTimeout(request.spec.with);
  if (!timeout) return done(failed(timeout.error().message));
  offLoop(
      env,
      [networks = *networks, timeout = *timeout,
       hosts = env.settings.keep_hosts]() -> ActionOutcome {
        auto keep = keepList(hosts);
        for (const auto& n : networks) {
          if (auto why = io::protectedReason(n, keep); !why.empty())
            return failed("not blocking " + n.str() + ": " + why + "; nothing was blocked");
        }
        auto fw = io::Firewall::open();
        if (!fw) return failed(fw.error().message);
        if (auto r = fw->block(networks, timeout); !r) return failed(r.error().message);
        return {RunState::kDone,
                {{"blocked", names(networks)}, {"timeout", formatDuration(timeout)}}};
      },
      std::move(done));
}

void runFirewallUnblock(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto networks = targets(request.spec.with, request.values);
  if (!networks) return done(failed(networks.error().message));
  offLoop(
      env,
      [networks = *networks]() -> ActionOutcome {
        auto fw = io::Firewall::open();
        if (!fw) return failed(fw.error().message);
        if (auto r = fw->unblock(networks); !r) return failed(r.error().message);
        return {RunState::kDone, {{"unblocked", names(networks)}}};
      },
      std::move(done));
}

Result<Expectation> expectUnblock(const json& with,
                                  const std::map<std::string, std::string>& values) {
  Expected addresses{"addresses", Expected::Compare::kSequence, {}};
  for (const auto& t : with.value("addresses", json::array())) {
    if (!t.is_string()) continue;
    auto a = policy::substitute(t.get<std::string>(), values);
    if (!a) return a.error();
    addresses.items.push_back(std::move(*a));
  }
  return Expectation{std::move(addresses)};
}

Result<Expectation> expectBlock(const json& with,
                                const std::map<std::string, std::string>& values) {
  auto e = expectUnblock(with, values);
  if (!e) return e;
  auto timeout = firewallTimeout(with);
  if (!timeout) return timeout.error();
  e->push_back({"timeout_ms",
                Expected::Compare::kOne,
                {std::to_string(static_cast<uint64_t>(timeout->count()) * 1000)}});
  return e;
}

Result<void> checkFirewallValues(const json& with,
                                 const std::map<std::string, std::string>& values) {
  if (auto t = targets(with, values); !t) return t.error();
  return {};
}

// Before an incident opens: an address this host never blocks is refused at once, not after
// someone has approved the step. The endpoints' names are resolved only when the block runs.
Result<void> checkBlockValues(const json& with, const std::map<std::string, std::string>& values) {
  auto t = targets(with, values);
  if (!t) return t.error();
  auto keep = keepList({});
  for (const auto& n : *t) {
    if (auto why = io::protectedReason(n, keep); !why.empty())
      return makeError(ErrorCode::kPermission, "not blocking " + n.str() + ": " + why);
  }
  return {};
}

}  // namespace novacron::actions
