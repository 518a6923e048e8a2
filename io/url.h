#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron::io {

/// An HTTP token (RFC 9110), such as a header name or a method: letters, digits and
/// !#$%&'*+-.^_`|~, at least one.
bool isHttpToken(std::string_view s);

/// An http:// or https:// URL taken apart. No userinfo: credentials belong in files, not in
/// URLs that end up in configuration dumps and logs.
struct Url {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string target = "/";  ///< path and query
  std::string str() const;   ///< without the query, which may carry secrets: for logs
};

Result<Url> parseUrl(const std::string& text);

}  // namespace novacron::io
