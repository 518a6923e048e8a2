#include "agent/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>

#include "agent/log.h"

namespace novacron::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct HttpServer::State {
  State(asio::io_context& io_, HttpHandler h, HttpLimits l)
      : io(io_), acceptor(io_), handler(std::move(h)), limits(l) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  HttpHandler handler;
  HttpLimits limits;
  size_t active = 0;
  std::unique_ptr<ssl::context> tls;  // set: every connection is https
};

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> toBeast(const HttpResponse& r, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "novacron-agent");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

HttpResponse errorResponse(int status, std::string message) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(message) + "\n", {}};
}

// The status for a request that could not be read, or 0 to just close the connection.
int statusForReadError(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    return 0;
  }
  return 400;
}

// Closing with unread request bytes in the socket makes the kernel send a reset, which can
// destroy the error response before the client reads it. Stop sending, then read and discard
// what the client still sends, bounded in bytes and time, before closing.
asio::awaitable<void> lingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(1));
  char sink[4096];
  for (size_t drained = 0; drained < (1u << 20);) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTok);
    if (rec) break;
    drained += n;
  }
}

// Ends a connection: TLS says goodbye first; plain TCP stops sending.
asio::awaitable<void> closeStream(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}
asio::awaitable<void> closeStream(beast::ssl_stream<beast::tcp_stream>& stream) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(kTok);
}

// Requests on one connection, plain or TLS, until it closes, errs or idles out.
template <class Stream>
asio::awaitable<void> serve(std::shared_ptr<HttpServer::State> st, Stream& stream) {
  auto& tcp_stream = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer(st->limits.max_header_bytes + st->limits.max_body_bytes);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(st->limits.max_header_bytes));
    parser.body_limit(st->limits.max_body_bytes);
    // Beast's own timeout closes the socket, which leaves no way to answer 408: a timer of our
    // own cancels the read instead.
    tcp_stream.expires_never();
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer deadline(st->io, st->limits.read_timeout);
    deadline.async_wait([timed_out, &tcp_stream](boost::system::error_code tec) {
      if (tec) return;
      *timed_out = true;
      beast::error_code ignored;
      tcp_stream.socket().cancel(ignored);
    });
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kTok);
    deadline.cancel();
    if (ec) {
      // A request begun and not finished in time is answered 408; an idle connection just ends.
      bool begun = parser.got_some() || buffer.size() > 0;
      int status = *timed_out ? (begun ? 408 : 0) : statusForReadError(ec);
      if (status) {
        auto res = toBeast(errorResponse(status, status == 408 ? "request timeout: send the whole "
                                                                 "request within the read timeout"
                                                               : "bad request: " + ec.message()),
                           11, false);
        tcp_stream.expires_after(std::chrono::seconds(2));
        co_await http::async_write(stream, res, kTok);
        if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
          co_await lingeringClose(stream);
        } else {
          co_await closeStream(stream);
        }
        co_return;
      }
      break;
    }
    auto req = parser.release();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      r.headers[name] = std::string(field.value());
    }
    r.body = std::move(req.body());

    HttpResponse out;
    try {
      out = st->handler(r);
    } catch (const std::exception& e) {
      logError(std::string("http handler failed on ") + r.path + ": " + e.what());
      out = errorResponse(500, "internal error");
    }
    bool keep_alive = req.keep_alive();
    auto res = toBeast(out, req.version(), keep_alive);
    tcp_stream.expires_after(st->limits.read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTok);
    if (wec || !keep_alive) break;
  }
  co_await closeStream(stream);
}

asio::awaitable<void> session(std::shared_ptr<HttpServer::State> st, tcp::socket socket) {
  ++st->active;
  struct Release {
    HttpServer::State& s;
    ~Release() { --s.active; }
  } release{*st};
  if (!st->tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(st, stream);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *st->tls);
  // A client that opens a connection and never finishes the handshake is cut off like a slow
  // request.
  beast::get_lowest_layer(stream).expires_after(st->limits.read_timeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTok);
  if (ec) {
    logDebug("http: TLS handshake failed: " + ec.message());
    co_return;
  }
  co_await serve(st, stream);
}

// Answers a connection over the limit without a session: a tiny non-blocking write, then close.
void refuseBusy(tcp::socket& socket) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: 21\r\n\r\ntoo many connections\n";
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
  socket.close(ec);
}

asio::awaitable<void> acceptLoop(std::shared_ptr<HttpServer::State> st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(kTok);
    if (ec == asio::error::operation_aborted || !st->acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and similar: back off briefly rather than spin.
      logWarning("http accept failed: " + ec.message());
      asio::steady_timer t(st->io, std::chrono::milliseconds(100));
      co_await t.async_wait(kTok);
      continue;
    }
    if (st->active >= st->limits.max_connections) {
      refuseBusy(socket);
      continue;
    }
    asio::co_spawn(st->io, session(st, std::move(socket)), asio::detached);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, HttpLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::enableTls(const std::filesystem::path& cert,
                                   const std::filesystem::path& key) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ctx->use_certificate_chain_file(cert.string(), ec); ec) {
    return makeError(ErrorCode::kInvalidArgument,
                     "http.tls.cert " + cert.string() + ": " + ec.message());
  }
  if (ctx->use_private_key_file(key.string(), ssl::context::pem, ec); ec) {
    return makeError(ErrorCode::kInvalidArgument,
                     "http.tls.key " + key.string() + ": " + ec.message());
  }
  state_->tls = std::move(ctx);
  return {};
}

bool HttpServer::tls() const { return state_->tls != nullptr; }

Result<void> HttpServer::listen(const policy::Endpoint& endpoint) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(endpoint.host, ec);
  if (ec) return makeError(ErrorCode::kInvalidArgument, "bad address " + endpoint.host);
  tcp::endpoint ep(addr, endpoint.port);
  tcp::acceptor& a = state_->acceptor;
  if (a.open(ep.protocol(), ec); ec) {
    return makeError(ErrorCode::kIo, "http: cannot open socket: " + ec.message());
  }
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (a.bind(ep, ec); ec) {
    a.close();
    return makeError(ErrorCode::kIo,
                     "http: cannot listen on " + endpoint.str() + ": " + ec.message());
  }
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) {
    a.close();
    return makeError(ErrorCode::kIo, "http: listen on " + endpoint.str() + ": " + ec.message());
  }
  asio::co_spawn(state_->io, acceptLoop(state_), asio::detached);
  return {};
}

void HttpServer::stop() {
  boost::system::error_code ec;
  state_->acceptor.close(ec);
}

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  auto ep = state_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t HttpServer::activeConnections() const { return state_->active; }

}  // namespace novacron::agent
