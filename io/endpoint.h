#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace novacron::io {

/// Where a server listens or a client connects.
struct Endpoint {
  std::string host;  ///< an IP literal: no name resolution at startup
  uint16_t port = 0;
  std::string str() const;
  /// 127.0.0.0/8 or ::1: only this host can connect.
  bool loopback() const { return host.starts_with("127.") || host == "::1"; }
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// Parses "HOST:PORT" or "[V6]:PORT"; on failure, nullopt and `why`.
std::optional<Endpoint> parseEndpoint(std::string_view text, std::string& why);

}  // namespace novacron::io
