#include "io/endpoint.h"

#include <charconv>

namespace novacron::io {

namespace {

// Dotted quad, each part 0-255 without a sign.
bool validIpv4(std::string_view s) {
  int parts = 0;
  while (parts < 4) {
    size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || p != part.data() + part.size() || part.empty() || part.size() > 3 ||
        v > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

}  // namespace

std::string Endpoint::str() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

std::optional<Endpoint> parseEndpoint(std::string_view text, std::string& why) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      why = "expected [IPV6]:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      why = "expected HOST:PORT (an IPv6 address goes in brackets)";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  std::string h(host);
  bool v4 = validIpv4(h);
  bool v6 = !h.empty() && h.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos &&
            h.find(':') != std::string::npos;
  if (!v4 && !v6) {
    why = "the host must be an IP address such as 127.0.0.1 or [::1] (no name lookups)";
    return std::nullopt;
  }
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || port.empty() || p > 65535) {
    why = "the port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return Endpoint{h, static_cast<uint16_t>(p)};
}

}  // namespace novacron::io
