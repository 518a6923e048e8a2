#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace boost::asio {
class io_context;
}

struct pg_conn;

namespace novacron::io {

using std::chrono::milliseconds;

/// The rows of one statement's result, values as text (NULL is nullopt).
struct PgResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
  /// The value in `row` of the column named `column`, if there is one and it is not NULL.
  std::optional<std::string> get(size_t row, std::string_view column) const;
};

/// A libpq connection string kept in a file (collectors.postgres.dsn_file), without its trailing
/// newline. Errors name the file, never its content.
Result<std::string> readDsn(const std::filesystem::path& file);

/// One libpq connection driven by the io_context: PQconnectStart/PQconnectPoll and
/// PQsendQuery/PQconsumeInput with the socket awaited by asio, so a database that hangs
/// (postmaster stopped with SIGSTOP) never blocks the loop. Every operation has a deadline; an
/// operation that misses it fails with kTimeout and leaves the connection closed (a hung server
/// is not waited for again: the caller reconnects later). Event-loop only.
class PgConnection : public std::enable_shared_from_this<PgConnection> {
 public:
  static std::shared_ptr<PgConnection> create(boost::asio::io_context& io);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Connects with a libpq connection string; the string is never logged nor put in an error.
  /// A server on this host must run as `server_user` (or root) before libpq sends it anything,
  /// a password included (io/loopback_owner.h); empty: no such check. `what` names the instance
  /// in that error.
  void connect(const std::string& conninfo, milliseconds timeout,
               std::function<void(Result<void>)> done, const std::string& server_user = "",
               const std::string& what = "");
  /// Sends `sql` (one or more statements) and collects every result. A statement's error is
  /// kUnavailable when the server may run it later (SQLSTATE 08, 40, 53, 55, 57, 58: connection,
  /// serialization, resources, lock, shutdown), else kInvalidArgument.
  void query(const std::string& sql, milliseconds timeout,
             std::function<void(Result<std::vector<PgResult>>)> done);
  /// Sends one statement with its parameters ($1, $2, ... as text; nullopt is NULL) apart from
  /// its text, so that no value is ever parsed as SQL.
  void query(const std::string& sql, const std::vector<std::optional<std::string>>& params,
             milliseconds timeout, std::function<void(Result<std::vector<PgResult>>)> done);

  bool connected() const { return conn_ != nullptr && ready_; }
  /// The server process serving this connection (pg_backend_pid()).
  int backendPid() const;
  void close();

 private:
  explicit PgConnection(boost::asio::io_context& io) : io_(io) {}
  struct Op;
  void send(std::function<int()> submit, milliseconds timeout,
            std::function<void(Result<std::vector<PgResult>>)> done);
  void pollConnect(std::shared_ptr<Op> op, int status);
  void flush(std::shared_ptr<Op> op);
  void read(std::shared_ptr<Op> op);
  void wait(std::shared_ptr<Op> op, bool for_write, std::function<void()> then);
  void fail(std::shared_ptr<Op> op, Error e);

  boost::asio::io_context& io_;
  pg_conn* conn_ = nullptr;
  bool ready_ = false;
  std::string server_user_, what_;
};

}  // namespace novacron::io
