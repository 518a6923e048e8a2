#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "io/redis/resp.h"

namespace boost::asio {
class io_context;
}

namespace novacron::io {

using std::chrono::milliseconds;
struct RedisOp;

/// Where a Redis server listens: an IP address and port, or a Unix socket.
struct RedisAddress {
  std::string host;  ///< an IP literal: no name resolution
  uint16_t port = 6379;
  std::filesystem::path unix_socket;  ///< used when not empty
  std::string str() const;
  friend bool operator==(const RedisAddress&, const RedisAddress&) = default;
};

/// Who the agent is to Redis: an ACL user (empty: the default user) and the file holding the
/// password (empty: none). The file is read at every connection (base/secret.h: its mode checked
/// again, never logged).
struct RedisCredentials {
  std::string user;
  std::filesystem::path password_file;
  /// Who the server must run as (or root) when it is on this host, before the password goes to
  /// it: any local user may bind a loopback port first (io/loopback_owner.h).
  std::string server_user = "redis";
  friend bool operator==(const RedisCredentials&, const RedisCredentials&) = default;
};

/// One connection to a Redis server on the io_context, one command at a time. Every operation
/// has a deadline; one that misses it fails with kTimeout and closes the connection, so a server
/// stopped with SIGSTOP costs one timeout and never blocks the loop. Replies are read with
/// hiredis's reader and bounded (resp.h). Event-loop only.
class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Done = std::function<void(Result<RedisReply>)>;
  static std::shared_ptr<RedisConnection> create(boost::asio::io_context& io);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Connects, authenticates when a password file is given, and names the connection
  /// `client_name` (CLIENT SETNAME), all within `timeout`.
  void connect(const RedisAddress& address, const RedisCredentials& credentials,
               const std::string& client_name, milliseconds timeout,
               std::function<void(Result<void>)> done);
  /// Sends one command. An error reply (-ERR …) is a reply, not a failure: the caller decides.
  void command(const std::vector<std::string>& argv, milliseconds timeout, Done done);

  bool connected() const;
  void close();

 private:
  struct Impl;
  explicit RedisConnection(boost::asio::io_context& io);
  void readReply(std::shared_ptr<RedisOp> op);
  std::unique_ptr<Impl> impl_;
};

}  // namespace novacron::io
