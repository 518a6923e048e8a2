#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace novacron::io {

/// An IPv4 or IPv6 network: an address and a prefix length (32 or 128 for one address).
struct Network {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  ///< IPv4 in the first 4
  int prefix = 0;

  /// The canonical text nftables and the timeline show: "203.0.113.7", "2001:db8::/48".
  std::string str() const;
  /// Whether `other` (an address or a network) lies within this network, or overlaps it.
  bool overlaps(const Network& other) const;
  friend bool operator==(const Network&, const Network&) = default;
};

/// The shortest prefixes a block may have: wider than this, one playbook could cut the host off
/// from most of the world.
inline constexpr int kMinPrefixV4 = 16;
inline constexpr int kMinPrefixV6 = 48;

/// Parses one address or CIDR exactly as written, nothing around it: "203.0.113.7",
/// "198.51.100.0/24", "2001:db8::1", "2001:db8::/48". A network with host bits set, a prefix
/// wider than the minimum, a v4-mapped v6 address or anything else is refused with the reason.
Result<Network> parseNetwork(std::string_view text);

/// The one address (/32 or /128) of an AF_INET or AF_INET6 socket address.
Network hostOf(const sockaddr* sa);

/// An address or network a block must never cover, and what it is to this host ("the default
/// gateway", "a DNS resolver"; empty for the host's own addresses and the endpoints).
struct Kept {
  Network net;
  std::string what = {};
};

/// What must never be blocked: loopback, link-local, the unspecified and multicast ranges, and
/// `keep` (the host's own addresses, its default gateways and DNS resolvers, the coordinator,
/// Alertmanager and notify endpoints). The reason, or empty when `n` may be blocked.
std::string protectedReason(const Network& n, const std::vector<Kept>& keep);

/// The default gateways of the routing tables as the kernel lists them in /proc/net/route
/// (IPv4: hexadecimal in the kernel's byte order) and /proc/net/ipv6_route. Lines that are not
/// a default route through a gateway, or that do not parse, are passed over.
std::vector<Network> parseDefaultGateways(std::string_view route, std::string_view ipv6_route);

/// The resolvers of resolv.conf(5) text: its "nameserver ADDRESS" lines (an IPv6 address's
/// %scope dropped); other lines, comments and what does not parse are passed over.
std::vector<Network> parseNameservers(std::string_view resolv_conf);

}  // namespace novacron::io
