#include "io/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace novacron::io {

namespace {

Error refused(std::string_view text, const std::string& why) {
  // The text came from the host (a label): quoted, and cut, in the message.
  std::string shown(text.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return makeError(ErrorCode::kInvalidArgument, "address '" + shown + "' " + why);
}

bool hostBitsSet(const Network& n) {
  int bits = n.v6 ? 128 : 32;
  for (int i = n.prefix; i < bits; ++i) {
    if (n.bytes[static_cast<size_t>(i / 8)] & (0x80 >> (i % 8))) return true;
  }
  return false;
}

Network net(std::string_view text) {
  auto n = parseNetwork(text);
  if (!n) std::abort();  // the ranges below are constants
  return *n;
}

}  // namespace

std::string Network::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  std::string out = buf;
  if (prefix != (v6 ? 128 : 32)) out += "/" + std::to_string(prefix);
  return out;
}

bool Network::overlaps(const Network& o) const {
  if (v6 != o.v6) return false;
  int common = std::min(prefix, o.prefix);
  for (int i = 0; i < common; ++i) {
    uint8_t bit = static_cast<uint8_t>(0x80 >> (i % 8));
    if ((bytes[static_cast<size_t>(i / 8)] & bit) != (o.bytes[static_cast<size_t>(i / 8)] & bit))
      return false;
  }
  return true;
}

Result<Network> parseNetwork(std::string_view text) {
  if (text.empty()) return refused(text, "is empty");
  if (text.size() > 64) return refused(text, "is too long to be an address");
  Network n;
  std::string_view addr = text;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  std::string a(addr);
  n.v6 = a.find(':') != std::string::npos;
  if (::inet_pton(n.v6 ? AF_INET6 : AF_INET, a.c_str(), n.bytes.data()) != 1)
    return refused(text, "is not an IPv4 or IPv6 address");
  int bits = n.v6 ? 128 : 32;
  n.prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n.prefix);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || p.front() == '+' ||
        n.prefix < 0 || n.prefix > bits)
      return refused(text, "has no prefix length from 0 to " + std::to_string(bits));
  }
  if (n.v6 && n.bytes[10] == 0xff && n.bytes[11] == 0xff &&
      std::all_of(n.bytes.begin(), n.bytes.begin() + 10, [](uint8_t b) { return b == 0; }))
    return refused(text, "is an IPv4-mapped IPv6 address; write the IPv4 address");
  if (n.prefix < (n.v6 ? kMinPrefixV6 : kMinPrefixV4))
    return refused(text, "is wider than /" + std::to_string(n.v6 ? kMinPrefixV6 : kMinPrefixV4) +
                             ", the widest network a block may cover");
  if (hostBitsSet(n)) {
    Network base = n;
    for (int i = n.prefix; i < bits; ++i)
      base.bytes[static_cast<size_t>(i / 8)] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
    return refused(text, "has host bits set; the network is " + base.str());
  }
  return n;
}

std::string protectedReason(const Network& n, const std::vector<Kept>& keep) {
  auto word = [&](const Network& range) { return n.prefix < range.prefix ? "covers " : "is "; };
  static const std::vector<std::pair<Network, const char*>> kNever = {
      {net("::1"), "loopback"},
      {net("169.254.0.0/16"), "link-local"},
      {net("0.0.0.0"), "the unspecified address"},
      {net("::"), "the unspecified address"},
  };
  for (const auto& [range, why] : kNever) {
    if (range.overlaps(n)) return word(range) + std::string(why);
  }
  // Whole ranges wider than a block may be: a block overlaps them only by lying within.
  if (!n.v6 && n.bytes[0] == 127) return "is loopback";
  if (!n.v6 && n.bytes[0] >= 224) return "is multicast or reserved";
  if (n.v6 && n.bytes[0] == 0xff) return "is multicast";
  if (n.v6 && n.bytes[0] == 0xfe && (n.bytes[1] & 0xc0) == 0x80) return "is link-local";
  for (const auto& k : keep) {
    if (k.net.overlaps(n))
      return word(k.net) + k.net.str() + (k.what.empty() ? "" : " (" + k.what + ")") +
             ", which is never blocked";
  }
  return "";
}

namespace {

// The whitespace-separated fields of one line.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class F>
void eachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t end = std::min(text.find('\n'), text.size());
    f(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
}

// Fixed-width hexadecimal, every digit checked.
bool hexBytes(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + 2 * i + 2) return false;
    out[i] = static_cast<uint8_t>(v);
  }
  return true;
}

constexpr unsigned kRouteGateway = 0x2;  // RTF_GATEWAY

}  // namespace

std::vector<Network> parseDefaultGateways(std::string_view route, std::string_view ipv6_route) {
  std::vector<Network> out;
  eachLine(route, [&](std::string_view line) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
    auto f = fields(line);
    if (f.size() < 8 || f[1] != "00000000" || f[7] != "00000000") return;
    uint8_t gw[4], flags[2];
    if (!hexBytes(f[2], gw, 4) || f[3].size() != 4 || !hexBytes(f[3], flags, 2)) return;
    if ((flags[1] & kRouteGateway) == 0) return;
    // The kernel prints the address as one 32-bit number in its own byte order.
    uint32_t value =
        (uint32_t{gw[0]} << 24) | (uint32_t{gw[1]} << 16) | (uint32_t{gw[2]} << 8) | gw[3];
    Network n;
    std::memcpy(n.bytes.data(), &value, 4);
    n.prefix = 32;
    if (value != 0) out.push_back(n);
  });
  eachLine(ipv6_route, [&](std::string_view line) {
    // dest dest_len src src_len next_hop metric refcnt use flags iface
    auto f = fields(line);
    if (f.size() < 10 || f[1] != "00") return;
    uint8_t dest[16], hop[16], flags[4];
    if (!hexBytes(f[0], dest, 16) || !hexBytes(f[4], hop, 16) || !hexBytes(f[8], flags, 4)) return;
    if ((flags[3] & kRouteGateway) == 0) return;
    if (std::any_of(dest, dest + 16, [](uint8_t b) { return b != 0; })) return;
    if (std::all_of(hop, hop + 16, [](uint8_t b) { return b == 0; })) return;
    Network n;
    n.v6 = true;
    std::memcpy(n.bytes.data(), hop, 16);
    n.prefix = 128;
    out.push_back(n);
  });
  return out;
}

std::vector<Network> parseNameservers(std::string_view resolv_conf) {
  std::vector<Network> out;
  eachLine(resolv_conf, [&](std::string_view line) {
    auto f = fields(line);
    if (f.size() < 2 || f[0] != "nameserver") return;
    std::string_view address = f[1].substr(0, f[1].find('%'));
    if (auto n = parseNetwork(address)) out.push_back(*n);
  });
  return out;
}

Network hostOf(const sockaddr* sa) {
  Network n;
  if (sa->sa_family == AF_INET6) {
    std::memcpy(n.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    n.v6 = true;
    n.prefix = 128;
  } else {
    std::memcpy(n.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    n.prefix = 32;
  }
  return n;
}

}  // namespace novacron::io
