#include "io/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <charconv>

#include "base/text.h"
#include "io/openssl_library.h"

namespace novacron::io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using io::parseUrl;
using io::Url;

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

struct Call {
  Call(asio::io_context& io_, HttpClientRequest r, Url u, std::function<void(HttpClientResponse)> d)
      : io(io_),
        req(std::move(r)),
        url(std::move(u)),
        done(std::move(d)),
        resolver(io_),
        timer(io_) {}
  asio::io_context& io;
  HttpClientRequest req;
  Url url;
  std::function<void(HttpClientResponse)> done;
  tcp::resolver resolver;
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  bool timed_out = false;

  std::chrono::steady_clock::time_point deadline() const { return start + req.timeout; }
  void finish(HttpClientResponse r) {
    if (!done) return;
    r.duration = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    auto d = std::move(done);
    done = nullptr;
    timer.cancel();
    d(std::move(r));
  }
  HttpClientResponse failure(const std::string& what, const beast::error_code& ec) const {
    HttpClientResponse r;
    r.error = timed_out || ec == beast::error::timeout
                  ? what + ": no answer within " + std::to_string(req.timeout.count()) + " ms"
                  : what + ": " + ec.message();
    return r;
  }
};

template <class Stream>
asio::awaitable<void> exchange(std::shared_ptr<Call> call, Stream& stream) {
  auto& tcp_stream = beast::get_lowest_layer(stream);
  http::request<http::string_body> req{http::string_to_verb(call->req.method), call->url.target,
                                       11};
  bool default_port = call->url.port == (call->url.tls ? 443 : 80);
  req.set(http::field::host,
          default_port ? call->url.host : call->url.host + ":" + std::to_string(call->url.port));
  req.set(http::field::user_agent, "novacron-agent");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : call->req.headers) req.set(k, v);
  if (!call->req.body.empty() || call->req.method != "GET") {
    req.body() = call->req.body;
    req.prepare_payload();
  }
  tcp_stream.expires_at(call->deadline());
  auto [wec, wn] = co_await http::async_write(stream, req, kTok);
  if (wec) co_return call->finish(call->failure("sending the request", wec));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(call->req.max_response);
  tcp_stream.expires_at(call->deadline());
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTok);
  if (rec) co_return call->finish(call->failure("reading the response", rec));
  HttpClientResponse res;
  res.status = static_cast<int>(parser.get().result_int());
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
    // Seconds only; an HTTP date is rare from an API and is ignored.
    std::string_view v(it->value().data(), it->value().size());
    int64_t secs = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
    if (ec == std::errc() && end == v.data() + v.size() && secs >= 0)
      res.retry_after = std::chrono::seconds(std::min<int64_t>(secs, 86400));
  }
  auto header = [&](http::field f, size_t max) {
    auto it = parser.get().find(f);
    return it == parser.get().end() ? std::string() : std::string(it->value().substr(0, max));
  };
  res.content_encoding = header(http::field::content_encoding, 64);
  res.content_type = header(http::field::content_type, 256);
  res.body = std::move(parser.get().body());
  call->finish(std::move(res));
  beast::error_code ignored;
  tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> run(std::shared_ptr<Call> call) {
  // An IP address needs no resolver, whose first call can take a second (NSS start-up).
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code aec;
  auto address = asio::ip::make_address(call->url.host, aec);
  if (!aec) {
    endpoints.emplace_back(address, call->url.port);
  } else {
    auto [rec, found] =
        co_await call->resolver.async_resolve(call->url.host, std::to_string(call->url.port), kTok);
    if (rec) co_return call->finish(call->failure("resolving " + call->url.host, rec));
    for (const auto& e : found) endpoints.push_back(e.endpoint());
  }
  if (!call->done) co_return;  // the deadline passed while the name was being resolved

  if (!call->url.tls) {
    beast::tcp_stream stream(call->io);
    stream.expires_at(call->deadline());
    auto [cec, ep] = co_await stream.async_connect(endpoints, kTok);
    if (cec) co_return call->finish(call->failure("connecting to " + call->url.str(), cec));
    co_await exchange(call, stream);
    co_return;
  }
  if (std::string why; !io::available(&why)) {
    HttpClientResponse r;
    r.error = why;
    co_return call->finish(std::move(r));
  }
  ssl::context ctx(ssl::context::tls_client);
  beast::error_code setup;
  if (call->req.ca_file.empty()) {
    ctx.set_default_verify_paths(setup);
  } else {
    ctx.load_verify_file(call->req.ca_file, setup);
  }
  if (!setup && !call->req.cert_file.empty()) {
    ctx.use_certificate_chain_file(call->req.cert_file, setup);
    if (!setup) ctx.use_private_key_file(call->req.key_file, ssl::context::pem, setup);
  }
  if (setup)
    co_return call->finish(call->failure("TLS setup (the CA or client certificate)", setup));
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(call->io, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), call->url.host.c_str())) {
    co_return call->finish(call->failure(
        "TLS setup",
        beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category())));
  }
  stream.set_verify_callback(ssl::host_name_verification(call->url.host));
  auto& tcp_stream = beast::get_lowest_layer(stream);
  tcp_stream.expires_at(call->deadline());
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kTok);
  if (cec) co_return call->finish(call->failure("connecting to " + call->url.str(), cec));
  tcp_stream.expires_at(call->deadline());
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kTok);
  if (hec) co_return call->finish(call->failure("TLS handshake with " + call->url.host, hec));
  co_await exchange(call, stream);
}

}  // namespace

std::optional<std::string> headerProblem(std::string_view name, std::string_view value) {
  if (!io::isHttpToken(name)) return "the header name is not an HTTP token";
  for (unsigned char c : value) {
    if (isControl(c) && c != '\t') return "the value holds a control character (a line break?)";
  }
  return std::nullopt;
}

void httpRequest(asio::io_context& io, HttpClientRequest request,
                 std::function<void(HttpClientResponse)> done) {
  auto refuse = [&](std::string why) {
    HttpClientResponse r;
    r.error = std::move(why);
    asio::post(io, [done = std::move(done), r = std::move(r)] { done(r); });
  };
  auto url = parseUrl(request.url);
  if (!url) return refuse(url.error().message);
  // Whatever filled them in, headers go on the wire only if they stay headers.
  for (const auto& [name, value] : request.headers) {
    if (auto why = headerProblem(name, value))
      return refuse("refusing to send header " + quoteForMessage(name, 64) + ": " + *why);
  }
  if (http::string_to_verb(request.method) == http::verb::unknown)
    return refuse("unknown HTTP method " + quoteForMessage(request.method, 32));
  auto call = std::make_shared<Call>(io, std::move(request), std::move(*url), std::move(done));
  // Name resolution is not covered by the stream's expiry: one timer bounds the whole call.
  call->timer.expires_at(call->deadline());
  call->timer.async_wait([call](beast::error_code ec) {
    if (ec || !call->done) return;
    call->timed_out = true;
    call->resolver.cancel();
    HttpClientResponse r;
    r.error = "no answer from " + call->url.str() + " within " +
              std::to_string(call->req.timeout.count()) + " ms";
    call->finish(std::move(r));
  });
  asio::co_spawn(io, run(call), asio::detached);
}

}  // namespace novacron::io
