#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/support/raw_socket.h"

namespace novacron::testing {

/// A small HTTP/1.1 server on 127.0.0.1 for tests of the agent's HTTP client: it records every
/// request and answers with the status it is told to, or hangs, or drops the connection. One
/// request per connection, on its own thread; everything is bounded by the test's lifetime.
class HttpRecorder {
 public:
  struct Request {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  ///< names lower-cased
  };
  enum class Mode { kAnswer, kHang, kDrop };

  HttpRecorder() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 64);
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpRecorder() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void answer(int status, std::string body = "ok") {
    std::lock_guard lock(mu_);
    responder_ = nullptr;
    mode_ = Mode::kAnswer;
    status_ = status;
    body_ = std::move(body);
  }
  /// Answers from a function of the request instead of a fixed status (mode kAnswer only).
  using Responder = std::function<std::pair<int, std::string>(const Request&)>;
  void respond(Responder f) {
    std::lock_guard lock(mu_);
    mode_ = Mode::kAnswer;
    responder_ = std::move(f);
  }
  /// Extra header lines sent with every answer, e.g. "Retry-After: 1".
  void setHeaders(std::vector<std::string> lines) {
    std::lock_guard lock(mu_);
    headers_ = std::move(lines);
  }
  void setMode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }

  // Reads until the headers and a Content-Length body are in, for at most two seconds.
  void handle(int c) {
    std::string in;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    size_t header_end = std::string::npos;
    size_t need = 0;
    while (std::chrono::steady_clock::now() < deadline && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end != std::string::npos) need = header_end + 4 + contentLength(in, header_end);
      }
      if (header_end != std::string::npos && in.size() >= need) break;
    }
    if (header_end == std::string::npos) return;
    Request r = parse(in, header_end);
    Mode mode;
    int status;
    std::string body;
    Responder responder;
    std::string extra;
    {
      std::lock_guard lock(mu_);
      for (const auto& h : headers_) extra += h + "\r\n";
      requests_.push_back(r);
      mode = mode_;
      status = status_;
      body = body_;
      responder = responder_;
    }
    if (mode == Mode::kAnswer && responder) std::tie(status, body) = responder(r);
    if (mode == Mode::kDrop) return;
    if (mode == Mode::kHang) {
      // Until the test moves on to another mode, or ends.
      while (!stop_) {
        {
          std::lock_guard lock(mu_);
          if (mode_ != Mode::kHang) return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(status) +
                      " X\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n" + extra + "\r\n" + body;
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  static size_t contentLength(const std::string& in, size_t header_end) {
    Request r = parse(in, header_end);
    auto it = r.headers.find("content-length");
    return it == r.headers.end() ? 0 : std::stoul(it->second);
  }

  static Request parse(const std::string& in, size_t header_end) {
    Request r;
    std::string head = in.substr(0, header_end);
    size_t eol = head.find("\r\n");
    std::string first = head.substr(0, eol);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    r.method = first.substr(0, sp1);
    r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = eol == std::string::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = end + 2;
    }
    r.body = in.substr(header_end + 4);
    return r;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Mode mode_ = Mode::kAnswer;
  int status_ = 200;
  std::string body_ = "ok";
  Responder responder_;
  std::vector<std::string> headers_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace novacron::testing
