#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>

#include "collectors/probes/probe.h"

namespace novacron::collectors {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Check : std::enable_shared_from_this<Check> {
  Check(asio::io_context& io, ProbeDone d, milliseconds timeout)
      : resolver(io), socket(io), timer(io), done(std::move(d)), limit(timeout) {}
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  ProbeDone done;
  milliseconds limit;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void finish(bool ok, std::string error) {
    if (!done) return;
    timer.cancel();
    resolver.cancel();
    boost::system::error_code ignored;
    socket.close(ignored);
    ProbeResult r{
        ok, std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start),
        std::move(error)};
    auto d = std::move(done);
    done = nullptr;
    d(std::move(r));
  }
};

}  // namespace

// Up when a TCP connection to HOST:PORT is accepted within the timeout; it is closed at once.
void tcpProbe(asio::io_context& io, const collectors::ProbeConfig& probe, ProbeDone done) {
  auto c = std::make_shared<Check>(io, std::move(done), probe.timeout);
  size_t colon = probe.target.rfind(':');
  std::string host = probe.target.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string port = probe.target.substr(colon + 1);
  c->timer.expires_after(probe.timeout);
  c->timer.async_wait([c](boost::system::error_code ec) {
    if (!ec) c->finish(false, "no connection within " + std::to_string(c->limit.count()) + " ms");
  });
  boost::system::error_code aec;
  auto address = asio::ip::make_address(host, aec);
  if (!aec) {  // no resolver for an IP address (its first call can take a second)
    c->socket.async_connect(tcp::endpoint(address, static_cast<uint16_t>(std::stoi(port))),
                            [c](boost::system::error_code cec) {
                              c->finish(!cec, cec ? "connecting: " + cec.message() : "");
                            });
    return;
  }
  c->resolver.async_resolve(host, port, [c](boost::system::error_code ec, auto endpoints) {
    if (ec) return c->finish(false, "resolving: " + ec.message());
    if (!c->done) return;
    asio::async_connect(c->socket, endpoints, [c](boost::system::error_code cec, const auto&) {
      c->finish(!cec, cec ? "connecting: " + cec.message() : "");
    });
  });
}

}  // namespace novacron::collectors
