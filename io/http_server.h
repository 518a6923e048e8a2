#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "io/endpoint.h"

namespace boost::asio {
class io_context;
}

namespace novacron::io {

struct HttpRequest {
  std::string method;                          ///< "GET", "POST", ...
  std::string target;                          ///< path and query as sent
  std::string path;                            ///< target before '?'
  std::string query;                           ///< target after '?', undecoded
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
  /// https with client certificates: the verified certificate's subject CN; else empty.
  std::string client_name;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Called on the event loop for every well-formed request; must not block.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
/// Gives the answer to one request; call it once, on the loop, now or later.
using HttpResponder = std::function<void(HttpResponse)>;
/// A handler that answers later (after a database has answered): it must not block either, and
/// must call `respond` once. A request not answered within HttpLimits::answer_timeout gets 503.
using HttpAsyncHandler = std::function<void(const HttpRequest&, HttpResponder respond)>;

/// Whether a request (its head: method, path, headers; no body) may use the reserved slots:
/// the agent says yes for /metrics, /healthz and /v1 with a valid token.
using HttpPriority = std::function<bool(const HttpRequest& head)>;

/// What one client, or many, can take of the server. A connection is first *pending* until its
/// request head is in; then it holds a *slot* while its request is served and while it idles
/// between keep-alive requests.
struct HttpLimits {
  size_t max_connections = 64;  ///< slots for any request; beyond, a request gets 503
  /// More slots that only priority requests may use; and when all are taken, a priority request
  /// takes the slot of the connection that has idled longest. A scraper is never locked out.
  size_t reserved_connections = 16;
  /// Connections still sending their request head, in all and per peer (a local user over
  /// loopback, else an address). Beyond either, the oldest pending one (of that peer, for the
  /// second) is closed to make room: half-sent requests cannot fill the server, and one local user
  /// cannot crowd out another's scraper.
  size_t max_pending = 128;
  size_t max_pending_per_peer = 64;
  size_t max_header_bytes = 8192;  ///< larger request heads get 431
  size_t max_body_bytes = 65536;   ///< larger bodies get 413
  /// The request head must be in within this of the connection (or its last answer); then the
  /// body within read_timeout. A head begun and not finished gets 408.
  std::chrono::milliseconds header_timeout{2000};
  std::chrono::milliseconds read_timeout{10000};
  /// A kept-alive connection must send its next request head within this of the last answer.
  /// As header_timeout by default; longer where clients hold connections between pushes.
  std::chrono::milliseconds idle_timeout{2000};
  /// An asynchronous handler's answer must come within this.
  std::chrono::milliseconds answer_timeout{30000};
};

/// Parses one request from `bytes` with the parser and limits the server reads with: the request,
/// or an error whose message starts with the status the server would answer (400, 413, 431).
/// For tests and fuzzing; never throws.
Result<HttpRequest> parseHttpRequest(std::string_view bytes, const HttpLimits& limits = {});

/// HTTP/1.1 server on Boost.Beast. Keeps Beast out of every other translation unit. All work
/// happens on the io_context passed in; a malformed, oversized or slow request gets a 4xx or is
/// cut off, never a crash.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpHandler handler, HttpLimits limits = {});
  HttpServer(boost::asio::io_context& io, HttpAsyncHandler handler, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves https with this certificate chain and key (PEM) from new connections on. With
  /// `client_ca`, a client must show a certificate that CA issued (the handshake fails without
  /// one) and requests carry its CN as client_name. Called again, it replaces them (a renewed
  /// certificate), or keeps the old ones and says why not.
  Result<void> enableTls(const std::filesystem::path& cert, const std::filesystem::path& key,
                         const std::optional<std::filesystem::path>& client_ca = std::nullopt);
  bool tls() const;
  /// The Server header of every answer (default novacron-agent).
  void setServerName(std::string name);
  /// Decides which requests may use the reserved slots; without it, none may.
  void setPriority(HttpPriority priority);
  /// Binds and starts accepting. Port 0 picks a free port (see port()).
  Result<void> listen(const io::Endpoint& endpoint);
  /// Stops accepting; connections in progress finish their current request.
  void stop();
  uint16_t port() const;
  /// Connections holding a slot (pending ones excluded).
  size_t activeConnections() const;
  /// Connections still sending their request head.
  size_t pendingConnections() const;

  /// Defined in the .cpp; public only so that the connection coroutines there can name it.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace novacron::io
