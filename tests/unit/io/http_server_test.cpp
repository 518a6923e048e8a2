#include "io/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

#include "tests/support/http_flood.h"
#include "tests/support/io_thread.h"
#include "tests/support/raw_socket.h"

namespace novacron::io {
namespace {

using namespace std::chrono_literals;
using testing::RawSocket;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpLimits limits = {}) {
    server_ = std::make_unique<HttpServer>(
        io_.io(),
        [](const HttpRequest& r) {
          if (r.path == "/boom") throw std::runtime_error("handler bug");
          return HttpResponse{
              200,
              "text/plain",
              r.method + " " + r.path + " q=" + r.query +
                  " ua=" + (r.headers.count("user-agent") ? r.headers.at("user-agent") : "") +
                  " body=" + r.body,
              {{"X-Test", "1"}}};
        },
        limits);
    auto r = io_.run([&] { return server_->listen({"127.0.0.1", 0}); });
    ASSERT_TRUE(r.has_value()) << r.error().message;
    port_ = io_.run([&] { return server_->port(); });
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) io_.run([&] { server_.reset(); });
  }
  std::string exchange(const std::string& request) {
    auto s = RawSocket::tcp(port_);
    EXPECT_TRUE(s.connected());
    s.send(request);
    return s.receive();
  }

  testing::IoThread io_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpServerTest, AnswersAndParsesTheRequest) {
  start();
  std::string res = exchange(
      "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t/1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(res.starts_with("HTTP/1.1 200 OK\r\n")) << res;
  EXPECT_NE(res.find("X-Test: 1\r\n"), std::string::npos);
  EXPECT_NE(res.find("GET /metrics q=x=1 ua=t/1 body="), std::string::npos) << res;
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
  start();
  auto s = RawSocket::tcp(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"));
    std::string res = s.receive(5s, "body=hi");
    EXPECT_NE(res.find("POST /p"), std::string::npos) << i << ": " << res;
  }
}

TEST_F(HttpServerTest, BadRequestsGetA4xxAndTheServerLivesOn) {
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 100;
  start(limits);
  struct Case {
    std::string request;
    std::string status;
  } cases[] = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400"},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n",
       "HTTP/1.1 431"},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n", "HTTP/1.1 413"},
      {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 400"},
      {std::string("GET / HTTP/1.1\r\nHost: \0\r\n\r\n", 27), "HTTP/1.1 400"},
  };
  for (const auto& c : cases) {
    std::string res = exchange(c.request);
    EXPECT_TRUE(res.starts_with(c.status))
        << c.request.substr(0, 40) << " -> " << res.substr(0, 60);
  }
  EXPECT_TRUE(exchange("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, AHandlerExceptionIsA500) {
  start();
  EXPECT_TRUE(exchange("GET /boom HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 500"));
}

TEST_F(HttpServerTest, SlowClientsAreCutOff) {
  HttpLimits limits;
  limits.read_timeout = 200ms;
  start(limits);
  auto s = RawSocket::tcp(port_);
  s.send("GET / HTTP/1.1\r\nHo");
  auto start = std::chrono::steady_clock::now();
  std::string res = s.receive(5s);
  EXPECT_TRUE(res.starts_with("HTTP/1.1 408")) << res;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  // A connection that never sends anything is just closed.
  auto idle = RawSocket::tcp(port_);
  EXPECT_EQ(idle.receive(5s), "");
  EXPECT_TRUE(exchange("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
  HttpLimits limits;
  limits.max_connections = 2;
  start(limits);
  auto a = RawSocket::tcp(port_);
  auto b = RawSocket::tcp(port_);
  // Make sure both are accepted sessions before the third arrives.
  a.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  b.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_NE(a.receive(5s, "body=").find("200"), std::string::npos);
  ASSERT_NE(b.receive(5s, "body=").find("200"), std::string::npos);
  std::string third = exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_TRUE(third.starts_with("HTTP/1.1 503")) << third;
  EXPECT_EQ(io_.run([&] { return server_->activeConnections(); }), 2u);
}

TEST_F(HttpServerTest, ListenOnATakenPortIsAnError) {
  start();
  HttpServer second(io_.io(), [](const HttpRequest&) { return HttpResponse{}; });
  auto r = io_.run([&] { return second.listen({"127.0.0.1", port_}); });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos);
}

TEST_F(HttpServerTest, FiveHundredHalfSentRequestsDoNotLockAScraperOut) {
  HttpLimits limits;
  limits.header_timeout = 2s;
  start(limits);
  io_.run([&] { server_->setPriority([](const HttpRequest& r) { return r.path == "/metrics"; }); });
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> opened{0};
  // As reproduced: a local script holding half-sent requests, reopening each as it closes.
  std::thread hostile(
      [&] { testing::holdHalfRequests(port_, 500, stop, std::chrono::seconds(120), opened); });
  // Wait until the flood is in and churning: the server holds as many pending heads of one peer
  // as it keeps, and has closed a few hundred to make room.
  auto until = std::chrono::steady_clock::now() + 60s;
  while ((io_.run([&] { return server_->pendingConnections(); }) < limits.max_pending_per_peer ||
          opened < 800) &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(io_.run([&] { return server_->pendingConnections(); }), limits.max_pending_per_peer);
  EXPECT_GE(opened.load(), 800u) << "the server closed half-sent requests to make room";
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    std::string res = exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    ok += res.starts_with("HTTP/1.1 200");
    EXPECT_TRUE(res.starts_with("HTTP/1.1 200")) << "scrape " << i << ": " << res.substr(0, 80);
  }
  stop = true;
  hostile.join();
  EXPECT_EQ(ok, 20);
}

TEST_F(HttpServerTest, APriorityRequestTakesTheSlotOfAnIdleConnection) {
  HttpLimits limits;
  limits.max_connections = 2;
  limits.reserved_connections = 1;
  start(limits);
  io_.run([&] { server_->setPriority([](const HttpRequest& r) { return r.path == "/metrics"; }); });
  // Two general and one reserved slot, all held by idle keep-alive connections.
  std::vector<RawSocket> idle;
  for (const char* path : {"/a", "/b", "/metrics"}) {
    idle.push_back(RawSocket::tcp(port_));
    idle.back().send(std::string("GET ") + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_NE(idle.back().receive(5s, "body=").find("200"), std::string::npos);
  }
  EXPECT_TRUE(exchange("GET /c HTTP/1.1\r\nHost: a\r\n\r\n").starts_with("HTTP/1.1 503"));
  EXPECT_TRUE(exchange("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                  .starts_with("HTTP/1.1 200"))
      << "a scrape is never locked out";
}

}  // namespace
}  // namespace novacron::io
