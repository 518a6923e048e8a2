#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/raw_socket.h"

namespace novacron::testing {

/// A real redis-server (the Debian package) on loopback, on a port the kernel picked and a Unix
/// socket in a scratch directory, optionally with a password. Started and waited for (PING
/// answered) in the constructor, stopped by its pid in the destructor.
class RedisServer {
 public:
  explicit RedisServer(std::string password = "") : password_(std::move(password)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "novacron_redis_XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    socket_ = (dir_ / "redis.sock").string();
    // A port free now may be taken before the server binds it (tests run in parallel): a
    // server that exits at once is started again on another port.
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (start()) return;
    }
    ADD_FAILURE() << "redis-server did not start (is the redis-server package installed? "
                     "scripts/install-deps.sh installs it)";
  }
  ~RedisServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  /// Starts the server on a fresh port; false if it exited or did not answer within 30 s.
  bool start() {
    port_ = freePort();
    std::ofstream conf(dir_ / "redis.conf");
    conf << "port " << port_ << "\nbind 127.0.0.1\nunixsocket " << socket_
         << "\nunixsocketperm 700\nsave \"\"\nappendonly no\ndir " << dir_.string() << "\n";
    if (!password_.empty()) conf << "requirepass " << password_ << "\n";
    conf.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = (dir_ / "redis.log").string();
      std::freopen(log.c_str(), "w", stdout);
      std::string conf_path = (dir_ / "redis.conf").string();
      ::execl("/usr/bin/redis-server", "redis-server", conf_path.c_str(), nullptr);
      ::_exit(127);
    }
    // Ready when it answers on its socket; a generous bound for a loaded machine.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (command("PING").find("PONG") != std::string::npos) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
  }
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& socketPath() const { return socket_; }
  const std::filesystem::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  /// Freezes or thaws the server (SIGSTOP / SIGCONT).
  void freeze(bool on) { ::kill(pid_, on ? SIGSTOP : SIGCONT); }
  /// Ends it for good (the server vanishes).
  void vanish() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// One inline command over a fresh connection (authenticated when there is a password); the
  /// raw reply, or "" when there is none within 5 s.
  std::string command(const std::string& line) const {
    auto s = RawSocket::unix(socket_);
    if (!s.connected()) return "";
    std::string req = password_.empty() ? "" : "AUTH " + password_ + "\r\n";
    if (!s.send(req + line + "\r\n")) return "";
    std::string out = s.receive(std::chrono::seconds(5), "\r\n");
    if (!password_.empty()) {
      // The AUTH answer first, then the command's.
      if (out.find("\r\n") + 2 >= out.size()) out += s.receive(std::chrono::seconds(5), "\r\n");
      out = out.substr(out.find("\r\n") + 2);
    }
    return out;
  }

 private:
  std::string password_;
  std::filesystem::path dir_;
  std::string socket_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace novacron::testing
