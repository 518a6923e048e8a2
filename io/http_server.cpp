#include "io/http_server.h"

#include <sys/ioctl.h>

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
#include <list>
#include <optional>
#include <string_view>

#include "base/guard.h"
#include "base/log.h"
#include "base/text.h"
#include "io/loopback_owner.h"
#include "io/openssl_library.h"

namespace novacron::io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// One connection as the server accounts for it.
struct Conn {
  enum class Slot { kNone, kGeneral, kReserved };
  std::string peer;  // whose it is: the local user over loopback, else the address
  std::chrono::steady_clock::time_point since;  // pending since, or idle since
  bool pending = true;                          // still waiting for (the rest of) a request head
  bool idle = false;                            // between keep-alive requests, holding its slot
  bool evicted = false;
  Slot slot = Slot::kNone;
  int fd = -1;                   // the socket, to see whether a request waits in it unread
  std::function<void()> cancel;  // cancels what the connection waits for
  std::string client_name;       // the verified client certificate's CN (mTLS)
};

}  // namespace

struct HttpServer::State {
  State(asio::io_context& io_, HttpAsyncHandler h, HttpLimits l)
      : io(io_), acceptor(io_), handler(std::move(h)), limits(l) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  HttpAsyncHandler handler;
  std::string server_name = "novacron-agent";
  HttpPriority priority;
  HttpLimits limits;
  std::list<Conn> conns;
  size_t general = 0, reserved = 0;   // slots in use
  std::shared_ptr<ssl::context> tls;  // set: every connection is https

  size_t pending() const {
    return static_cast<size_t>(std::count_if(
        conns.begin(), conns.end(), [](const Conn& c) { return c.pending && !c.evicted; }));
  }

  void evict(Conn& c) {
    c.evicted = true;
    if (c.cancel) c.cancel();
  }

  // The oldest connection that matches, if any: the one that has waited longest.
  template <class Pred>
  Conn* oldest(Pred pred) {
    Conn* found = nullptr;
    for (Conn& c : conns) {
      if (!c.evicted && pred(c) && (!found || c.since < found->since)) found = &c;
    }
    return found;
  }

  // A new connection from `peer` is about to wait for its head: half-sent requests beyond the
  // limits make room, the peer's own first. A connection whose request is already waiting in its
  // socket, unread, is no half-sent request: it is passed over (a scraper that just connected
  // must not lose its turn to a flood of newer connections).
  void makeRoomFor(const std::string& peer) {
    auto stale = [](const Conn& x) {
      int unread = 0;
      return x.pending && !(x.fd >= 0 && ::ioctl(x.fd, FIONREAD, &unread) == 0 && unread > 0);
    };
    size_t of_peer = static_cast<size_t>(std::count_if(conns.begin(), conns.end(), [&](auto& c) {
      return c.pending && !c.evicted && c.peer == peer;
    }));
    if (of_peer >= limits.max_pending_per_peer) {
      if (Conn* c = oldest([&](const Conn& x) { return stale(x) && x.peer == peer; })) evict(*c);
    }
    if (pending() >= limits.max_pending) {
      if (Conn* c = oldest(stale)) evict(*c);
    }
  }

  // A slot for a request whose head is in. Priority requests may use the reserved slots, and
  // then the slot of the longest-idle connection.
  bool takeSlot(Conn& c, bool wanted_priority) {
    if (c.slot == Conn::Slot::kGeneral) return true;
    if (c.slot == Conn::Slot::kReserved) return wanted_priority;
    if (general < limits.max_connections) {
      ++general;
      c.slot = Conn::Slot::kGeneral;
      return true;
    }
    if (!wanted_priority) return false;
    if (reserved < limits.reserved_connections) {
      ++reserved;
      c.slot = Conn::Slot::kReserved;
      return true;
    }
    Conn* idle = oldest([](const Conn& x) { return x.idle && x.slot != Conn::Slot::kNone; });
    if (!idle) return false;
    c.slot = idle->slot;
    idle->slot = Conn::Slot::kNone;
    evict(*idle);
    return true;
  }

  void release(Conn& c) {
    if (c.slot == Conn::Slot::kGeneral) --general;
    if (c.slot == Conn::Slot::kReserved) --reserved;
    c.slot = Conn::Slot::kNone;
  }
};

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> toBeast(const HttpResponse& r, unsigned version, bool keep_alive,
                                          const std::string& server) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, server);
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

std::string readFailure(int status, const beast::error_code& ec) {
  return status == 408 ? "request timeout: send the whole request within the read timeout"
                       : "bad request: " + ec.message();
}

// Answers with an error and ends the connection.
template <class Stream>
asio::awaitable<void> refuse(Stream& stream, int status, std::string message,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r = errorResponse(status, message);
  r.headers = std::move(headers);
  auto res = toBeast(r, 11, false, "novacron");
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  co_await http::async_write(stream, res, kTok);
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    co_await lingeringClose(stream);
  } else {
    co_await closeStream(stream);
  }
}

// A deadline of our own on a read: Beast's own timeout closes the socket, which leaves no way to
// answer 408. While it stands, the connection can also be evicted (its read cancelled).
class Deadline {
 public:
  Deadline(asio::io_context& io, beast::tcp_stream& stream, Conn& conn,
           std::chrono::milliseconds timeout)
      : timer_(io, timeout), conn_(conn) {
    stream.expires_never();
    auto cancel = [&stream] {
      beast::error_code ignored;
      stream.socket().cancel(ignored);
    };
    conn.cancel = cancel;
    timer_.async_wait([fired = fired_, alive = alive_, cancel](boost::system::error_code ec) {
      if (ec || !*alive) return;
      *fired = true;
      cancel();
    });
  }
  ~Deadline() {
    *alive_ = false;
    timer_.cancel();
    conn_.cancel = nullptr;
  }
  bool passed() const { return *fired_; }

 private:
  std::shared_ptr<bool> fired_ = std::make_shared<bool>(false);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  asio::steady_timer timer_;
  Conn& conn_;
};

HttpRequest fromBeast(const http::request<http::string_body>& req) {
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
  return r;
}

// The handler's answer, now or when it calls back; 503 if none comes in time, 500 if it throws.
asio::awaitable<HttpResponse> answer(std::shared_ptr<HttpServer::State> st, const HttpRequest& r) {
  struct Waiting {
    explicit Waiting(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::optional<HttpResponse> out;
  };
  auto w = std::make_shared<Waiting>(st->io);
  try {
    st->handler(r, [w](HttpResponse out) {
      if (w->out) return;  // a second answer is a bug of the handler's; the first one stands
      w->out = std::move(out);
      w->timer.cancel();
    });
  } catch (const std::exception& e) {
    internalError("the HTTP handler of " + quoteForMessage(r.path, 100), e.what());
    co_return errorResponse(500, "internal error");
  }
  if (!w->out) {
    w->timer.expires_after(st->limits.answer_timeout);
    co_await w->timer.async_wait(kTok);
  }
  if (!w->out) {
    logWarning("http: no answer to " + quoteForMessage(r.path, 100) + " within " +
               std::to_string(st->limits.answer_timeout.count()) + " ms");
    HttpResponse busy = errorResponse(503, "no answer in time");
    busy.headers.emplace_back("Retry-After", "1");
    w->out = std::move(busy);
  }
  co_return std::move(*w->out);
}

// Requests on one connection, plain or TLS, until it closes, errs, idles out or is evicted.
template <class Stream>
asio::awaitable<void> serve(std::shared_ptr<HttpServer::State> st, Stream& stream, Conn& conn) {
  beast::flat_buffer buffer(st->limits.max_header_bytes + st->limits.max_body_bytes);
  const auto head_timeout = std::min(st->limits.header_timeout, st->limits.read_timeout);
  bool first = true;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(st->limits.max_header_bytes));
    parser.body_limit(st->limits.max_body_bytes);

    beast::error_code ec;
    bool timed_out = false;
    {
      Deadline deadline(st->io, beast::get_lowest_layer(stream), conn,
                        first ? head_timeout : st->limits.idle_timeout);
      first = false;
      auto [e, n] = co_await http::async_read_header(stream, buffer, parser, kTok);
      ec = e;
      timed_out = deadline.passed();
    }
    conn.pending = false;
    conn.idle = false;
    if (conn.evicted) co_return;
    if (ec) {
      // A request begun and not finished in time is answered 408; an idle connection just ends.
      bool begun = parser.got_some() || buffer.size() > 0;
      int status = timed_out ? (begun ? 408 : 0) : statusForReadError(ec);
      if (status) {
        co_await refuse(stream, status, readFailure(status, ec));
      }
      co_return;
    }
    HttpRequest r = fromBeast(parser.get());
    r.client_name = conn.client_name;
    bool priority = false;
    guarded("the HTTP priority of " + quoteForMessage(r.path, 100),
            [&] { priority = st->priority && st->priority(r); });
    if (!st->takeSlot(conn, priority)) {
      std::vector<std::pair<std::string, std::string>> retry;
      retry.emplace_back("Retry-After", "1");
      co_await refuse(stream, 503, std::string("too many connections"), std::move(retry));
      co_return;
    }
    if (!parser.is_done()) {
      {
        Deadline deadline(st->io, beast::get_lowest_layer(stream), conn, st->limits.read_timeout);
        auto [e, n] = co_await http::async_read(stream, buffer, parser, kTok);
        ec = e;
        timed_out = deadline.passed();
      }
      if (conn.evicted) co_return;
      if (ec) {
        int status = timed_out ? 408 : statusForReadError(ec);
        if (status) {
          co_await refuse(stream, status, readFailure(status, ec));
        }
        co_return;
      }
    }
    auto req = parser.release();
    r.body = std::move(req.body());

    HttpResponse out = co_await answer(st, r);
    bool keep_alive = req.keep_alive();
    auto res = toBeast(out, req.version(), keep_alive, st->server_name);
    beast::get_lowest_layer(stream).expires_after(st->limits.read_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTok);
    if (wec || !keep_alive || conn.evicted) break;
    conn.idle = true;
    conn.since = std::chrono::steady_clock::now();
    // An idle connection keeps no request's memory: thousands of agents may each hold one open.
    if (buffer.size() == 0) buffer.shrink_to_fit();
  }
  co_await closeStream(stream);
}

asio::awaitable<void> session(std::shared_ptr<HttpServer::State> st, tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  // Local users all come from 127.0.0.1: each is a peer of its own, so that one cannot crowd out
  // another's scraper.
  auto owner = loopbackPeerOwner(socket.local_endpoint(ec), remote);
  std::string peer = owner ? "uid " + std::to_string(*owner) : remote.address().to_string();
  st->makeRoomFor(peer);
  Conn conn;
  conn.peer = peer;
  conn.fd = socket.native_handle();
  conn.since = std::chrono::steady_clock::now();
  st->conns.push_back(std::move(conn));
  auto it = std::prev(st->conns.end());
  struct Release {
    HttpServer::State& s;
    std::list<Conn>::iterator it;
    ~Release() {
      s.release(*it);
      s.conns.erase(it);
    }
  } release{*st, it};
  if (!st->tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(st, stream, *it);
    co_return;
  }
  std::shared_ptr<ssl::context> ctx = st->tls;  // kept while the connection lives
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx);
  // A client that opens a connection and never finishes the handshake is cut off like a slow
  // request, and can be evicted like one.
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(std::min(st->limits.header_timeout, st->limits.read_timeout));
  it->cancel = [&lowest] {
    beast::error_code ignored;
    lowest.socket().cancel(ignored);
  };
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTok);
  it->cancel = nullptr;
  if (hec || it->evicted) {
    if (hec) logDebug("http: TLS handshake failed: " + hec.message());
    co_return;
  }
  if (X509* cert = SSL_get1_peer_certificate(stream.native_handle())) {
    char cn[256] = {};
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
    if (n > 0 && static_cast<size_t>(n) < sizeof(cn)) it->client_name.assign(cn, n);
    X509_free(cert);
  }
  co_await serve(st, stream, *it);
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
    asio::co_spawn(st->io, session(st, std::move(socket)), asio::detached);
  }
}

}  // namespace

Result<HttpRequest> parseHttpRequest(std::string_view bytes, const HttpLimits& limits) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  size_t used = 0;
  while (!ec && !parser.is_done() && used < bytes.size()) {
    used += parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
  }
  if (!ec && !parser.is_done()) {
    parser.put_eof(ec);
    if (!ec && !parser.is_done()) ec = http::error::partial_message;
  }
  if (ec && ec != http::error::need_more) {
    int status = statusForReadError(ec);
    return makeError(ErrorCode::kMalformed,
                     std::to_string(status ? status : 400) + " " + readFailure(400, ec));
  }
  if (!parser.is_done()) return makeError(ErrorCode::kMalformed, "408 an unfinished request");
  HttpRequest r = fromBeast(parser.get());
  r.body = std::move(parser.get().body());
  return r;
}

HttpServer::HttpServer(asio::io_context& io, HttpHandler handler, HttpLimits limits)
    : HttpServer(
          io,
          HttpAsyncHandler([h = std::move(handler)](const HttpRequest& r, HttpResponder respond) {
            respond(h(r));
          }),
          limits) {}

HttpServer::HttpServer(asio::io_context& io, HttpAsyncHandler handler, HttpLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)) {}

void HttpServer::setServerName(std::string name) { state_->server_name = std::move(name); }

HttpServer::~HttpServer() { stop(); }

void HttpServer::setPriority(HttpPriority priority) { state_->priority = std::move(priority); }

Result<void> HttpServer::enableTls(const std::filesystem::path& cert,
                                   const std::filesystem::path& key,
                                   const std::optional<std::filesystem::path>& client_ca) {
  if (std::string why; !io::available(&why)) return makeError(ErrorCode::kUnavailable, why);
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
  if (client_ca) {
    if (ctx->load_verify_file(client_ca->string(), ec); ec) {
      return makeError(ErrorCode::kInvalidArgument,
                       "tls.client_ca " + client_ca->string() + ": " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  // Connections in progress keep the context they started with (shared_ptr).
  state_->tls = std::move(ctx);
  return {};
}

bool HttpServer::tls() const { return state_->tls != nullptr; }

Result<void> HttpServer::listen(const io::Endpoint& endpoint) {
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

size_t HttpServer::activeConnections() const { return state_->general + state_->reserved; }

size_t HttpServer::pendingConnections() const { return state_->pending(); }

}  // namespace novacron::io
