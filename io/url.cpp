#include "io/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace novacron::io {

bool isHttpToken(std::string_view s) {
  static constexpr std::string_view kPunct = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kPunct.find(c) != std::string_view::npos;
  });
}

std::string Url::str() const {
  std::string path = target.substr(0, target.find('?'));
  return std::string(tls ? "https://" : "http://") +
         (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + path;
}

Result<Url> parseUrl(const std::string& text) {
  Url u;
  std::string rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    u.tls = true;
    rest = text.substr(8);
  } else {
    return makeError(ErrorCode::kMalformed, "'" + text + "' is not an http:// or https:// URL");
  }
  size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (u.target.front() == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string::npos) {
    return makeError(ErrorCode::kMalformed,
                     "credentials do not belong in a URL: use a header from a file");
  }
  std::string port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string::npos) return makeError(ErrorCode::kMalformed, "unclosed [ in URL");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return makeError(ErrorCode::kMalformed, "bad URL authority");
      port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return makeError(ErrorCode::kMalformed, "no host in URL '" + text + "'");
  u.port = u.tls ? 443 : 80;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
      return makeError(ErrorCode::kMalformed, "bad port '" + port + "' in URL");
    }
    u.port = static_cast<uint16_t>(p);
  }
  for (char c : u.target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return makeError(ErrorCode::kMalformed, "spaces or control characters in URL path");
    }
  }
  return u;
}

}  // namespace novacron::io
