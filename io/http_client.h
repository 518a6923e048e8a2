#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "io/url.h"

namespace boost::asio {
class io_context;
}

namespace novacron::io {

using std::chrono::milliseconds;

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Resolution, connection, TLS, request and response together.
  milliseconds timeout{std::chrono::seconds(10)};
  /// A longer response body is read up to this and then refused.
  size_t max_response = 1 << 20;
  /// https: the CA (PEM) the server's certificate must chain to instead of the system's store,
  /// and a client certificate and key (PEM) to show when the server asks for one.
  std::string ca_file, cert_file, key_file;
};

struct HttpClientResponse {
  int status = 0;     ///< 0: no response (see error)
  std::string error;  ///< why there was no response
  std::string body;
  milliseconds duration{0};
  std::optional<milliseconds> retry_after;  ///< from a Retry-After header in seconds
  std::string content_encoding;             ///< as sent (at most 64 bytes): gzip, identity, ...
  std::string content_type;                 ///< as sent (at most 256 bytes)
};

/// Why a header may not be sent, or nullopt: the name must be an HTTP token and the value free
/// of control characters (a horizontal tab excepted), or it would end the header and start
/// another.
std::optional<std::string> headerProblem(std::string_view name, std::string_view value);

/// One request on `io`, never blocking it. https verifies the server's certificate against the
/// system's CA store and its host name. `done` runs on the loop exactly once.
void httpRequest(boost::asio::io_context& io, HttpClientRequest request,
                 std::function<void(HttpClientResponse)> done);

}  // namespace novacron::io
