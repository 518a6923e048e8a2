#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/base/result.h"
#include "policy/config.h"

namespace boost::asio {
class io_context;
}

namespace novacron::agent {

struct HttpRequest {
  std::string method;                          ///< "GET", "POST", ...
  std::string target;                          ///< path and query as sent
  std::string path;                            ///< target before '?'
  std::string query;                           ///< target after '?', undecoded
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Called on the event loop for every well-formed request; must not block.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpLimits {
  size_t max_connections = 64;     ///< beyond this, new connections get 503 and are closed
  size_t max_header_bytes = 8192;  ///< larger request heads get 431
  size_t max_body_bytes = 65536;   ///< larger bodies get 413
  std::chrono::milliseconds read_timeout{10000};  ///< a request must arrive whole within this
};

/// HTTP/1.1 server on Boost.Beast. Keeps Beast out of every other translation unit. All work
/// happens on the io_context passed in; a malformed, oversized or slow request gets a 4xx or is
/// cut off, never a crash.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpHandler handler, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves https with this certificate chain and key (PEM) from now on.
  Result<void> enableTls(const std::filesystem::path& cert, const std::filesystem::path& key);
  bool tls() const;
  /// Binds and starts accepting. Port 0 picks a free port (see port()).
  Result<void> listen(const policy::Endpoint& endpoint);
  /// Stops accepting; connections in progress finish their current request.
  void stop();
  uint16_t port() const;
  size_t activeConnections() const;

  /// Defined in the .cpp; public only so that the connection coroutines there can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace novacron::agent
