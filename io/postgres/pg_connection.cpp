#include "io/postgres/pg_connection.h"

#include "io/loopback_owner.h"
#include "io/postgres/libpq.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fstream>
#include <sstream>

namespace novacron::io {

namespace asio = boost::asio;

namespace {
// Only called once libpq() has succeeded (connect() checks it first).
const Libpq& pq() { return *libpq(); }
}  // namespace

Result<std::string> readDsn(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read " + file.string());
  std::stringstream s;
  s << in.rdbuf();
  std::string dsn = s.str();
  while (!dsn.empty() && (dsn.back() == '\n' || dsn.back() == '\r' || dsn.back() == ' '))
    dsn.pop_back();
  return dsn;
}

std::optional<std::string> PgResult::get(size_t row, std::string_view column) const {
  if (row >= rows.size()) return std::nullopt;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column) return rows[row][i];
  }
  return std::nullopt;
}

// One connect or query in flight: its deadline, the descriptor being awaited, and the callback.
struct PgConnection::Op {
  explicit Op(asio::io_context& io) : timer(io), fd(io) {}
  asio::steady_timer timer;
  asio::posix::stream_descriptor fd;  // a dup of libpq's socket, so closing it leaves libpq's
  bool finished = false;
  std::function<void(Result<void>)> on_connect;
  std::function<void(Result<std::vector<PgResult>>)> on_query;
  std::vector<PgResult> results;
  std::string error;  // the first statement error
  ErrorCode error_code = ErrorCode::kInvalidArgument;
  // Marks the operation over: later wake-ups (timer, socket) find it finished.
  void end() {
    finished = true;
    timer.cancel();
    boost::system::error_code ignored;
    fd.close(ignored);
  }
};

std::shared_ptr<PgConnection> PgConnection::create(asio::io_context& io) {
  return std::shared_ptr<PgConnection>(new PgConnection(io));
}

PgConnection::~PgConnection() { close(); }

void PgConnection::close() {
  if (conn_) pq().PQfinish(conn_);
  conn_ = nullptr;
  ready_ = false;
}

int PgConnection::backendPid() const { return conn_ ? pq().PQbackendPID(conn_) : 0; }

namespace {

std::string pqError(pg_conn* c) {
  std::string e = c ? pq().PQerrorMessage(c) : "out of memory";
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  // libpq puts the whole error, possibly several lines; the first says what happened.
  if (size_t nl = e.find('\n'); nl != std::string::npos) e.resize(nl);
  return e.empty() ? "unknown libpq error" : e;
}

// A statement the server could not run now but may later (SQLSTATE classes): a connection or
// resources problem, a shutdown or a cancelled statement, a serialization failure or deadlock.
// Anything else is the statement's own fault.
bool transientState(std::string_view state) {
  for (std::string_view c : {"08", "40", "53", "55", "57", "58"}) {
    if (state.starts_with(c)) return true;
  }
  return false;
}

}  // namespace

void PgConnection::fail(std::shared_ptr<Op> op, Error e) {
  if (op->finished) return;
  op->end();
  close();  // a failed or late operation leaves the protocol state unknown: start over later
  if (op->on_connect) op->on_connect(std::move(e));
  if (op->on_query) op->on_query(std::move(e));
}

void PgConnection::wait(std::shared_ptr<Op> op, bool for_write, std::function<void()> then) {
  boost::system::error_code ec;
  op->fd.close(ec);
  int fd = conn_ ? ::dup(pq().PQsocket(conn_)) : -1;
  if (fd < 0) return fail(op, makeError(ErrorCode::kUnavailable, "the connection has no socket"));
  op->fd.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return fail(op, makeError(ErrorCode::kIo, ec.message()));
  }
  auto self = shared_from_this();
  op->fd.async_wait(for_write ? asio::posix::stream_descriptor::wait_write
                              : asio::posix::stream_descriptor::wait_read,
                    [self, op, then = std::move(then)](boost::system::error_code wec) {
                      if (op->finished) return;
                      if (wec) return self->fail(op, makeError(ErrorCode::kIo, wec.message()));
                      then();
                    });
}

void PgConnection::connect(const std::string& conninfo, milliseconds timeout,
                           std::function<void(Result<void>)> done, const std::string& server_user,
                           const std::string& what) {
  close();
  server_user_ = server_user;
  what_ = what;
  auto op = std::make_shared<Op>(io_);
  op->on_connect = std::move(done);
  auto self = shared_from_this();
  op->timer.expires_after(timeout);
  op->timer.async_wait([self, op, timeout](boost::system::error_code ec) {
    if (!ec)
      self->fail(op, makeError(ErrorCode::kTimeout,
                               "no connection within " + std::to_string(timeout.count()) + " ms"));
  });
  std::string why_not;
  if (!libpq(&why_not)) return fail(op, makeError(ErrorCode::kUnavailable, why_not));
  conn_ = pq().PQconnectStart(conninfo.c_str());
  if (!conn_ || pq().PQstatus(conn_) == CONNECTION_BAD) {
    std::string why = pqError(conn_);
    return fail(op, makeError(ErrorCode::kUnavailable, why));
  }
  pq().PQsetnonblocking(conn_, 1);
  // A server's NOTICEs (IF NOT EXISTS ... skipping) are not ours to print on stderr.
  pq().PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  pollConnect(op, PGRES_POLLING_WRITING);
}

void PgConnection::pollConnect(std::shared_ptr<Op> op, int status) {
  auto self = shared_from_this();
  switch (status) {
    case PGRES_POLLING_OK:
      ready_ = true;
      op->end();
      return op->on_connect({});
    case PGRES_POLLING_FAILED:
      return fail(op, makeError(ErrorCode::kUnavailable, pqError(conn_)));
    default:
      // Connected, nothing sent yet (libpq sends the startup packet at the next poll, and a
      // password in answer to the server): a server on this host must be the expected user's,
      // since any local user may listen on the port first. Checked for every socket libpq makes
      // (another host of the list, a retry without SSL).
      if (!server_user_.empty() && pq().PQstatus(conn_) == CONNECTION_MADE) {
        if (auto peer = io::checkSecretPeer(pq().PQsocket(conn_), server_user_, what_); !peer)
          return fail(op, peer.error());
      }
      wait(op, status == PGRES_POLLING_WRITING,
           [self, op] { self->pollConnect(op, pq().PQconnectPoll(self->conn_)); });
  }
}

void PgConnection::query(const std::string& sql, milliseconds timeout,
                         std::function<void(Result<std::vector<PgResult>>)> done) {
  send([this, &sql] { return pq().PQsendQuery(conn_, sql.c_str()); }, timeout, std::move(done));
}

void PgConnection::query(const std::string& sql,
                         const std::vector<std::optional<std::string>>& params,
                         milliseconds timeout,
                         std::function<void(Result<std::vector<PgResult>>)> done) {
  send(
      [this, &sql, &params] {
        std::vector<const char*> values;
        std::vector<int> lengths;
        for (const auto& p : params) {
          values.push_back(p ? p->c_str() : nullptr);
          lengths.push_back(p ? static_cast<int>(p->size()) : 0);
        }
        return pq().PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                      values.data(), lengths.data(), nullptr, 0);
      },
      timeout, std::move(done));
}

void PgConnection::send(std::function<int()> submit, milliseconds timeout,
                        std::function<void(Result<std::vector<PgResult>>)> done) {
  auto op = std::make_shared<Op>(io_);
  op->on_query = std::move(done);
  if (!connected()) {
    op->finished = true;
    auto cb = std::move(op->on_query);
    asio::post(io_, [cb] { cb(makeError(ErrorCode::kUnavailable, "not connected")); });
    return;
  }
  auto self = shared_from_this();
  op->timer.expires_after(timeout);
  op->timer.async_wait([self, op, timeout](boost::system::error_code ec) {
    if (!ec)
      self->fail(op, makeError(ErrorCode::kTimeout,
                               "no answer within " + std::to_string(timeout.count()) + " ms"));
  });
  if (!submit()) {
    return fail(op, makeError(ErrorCode::kUnavailable, pqError(conn_)));
  }
  flush(op);
}

void PgConnection::flush(std::shared_ptr<Op> op) {
  int r = pq().PQflush(conn_);
  if (r < 0) return fail(op, makeError(ErrorCode::kUnavailable, pqError(conn_)));
  auto self = shared_from_this();
  if (r == 1) return wait(op, true, [self, op] { self->flush(op); });
  read(op);
}

void PgConnection::read(std::shared_ptr<Op> op) {
  auto self = shared_from_this();
  while (!pq().PQisBusy(conn_)) {
    PGresult* res = pq().PQgetResult(conn_);
    if (!res) {
      op->end();
      if (!op->error.empty()) return op->on_query(makeError(op->error_code, op->error));
      return op->on_query(std::move(op->results));
    }
    ExecStatusType st = pq().PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      // Kept, and reported once every result is in: the connection stays usable.
      if (op->error.empty()) {
        op->error = pq().PQresultErrorMessage(res);
        const char* state = pq().PQresultErrorField(res, PG_DIAG_SQLSTATE);
        op->error_code = transientState(state ? state : "") ? ErrorCode::kUnavailable
                                                            : ErrorCode::kInvalidArgument;
        while (!op->error.empty() && (op->error.back() == '\n' || op->error.back() == ' '))
          op->error.pop_back();
      }
      pq().PQclear(res);
      continue;
    }
    PgResult out;
    int cols = pq().PQnfields(res), rows = pq().PQntuples(res);
    for (int c = 0; c < cols; ++c) out.columns.emplace_back(pq().PQfname(res, c));
    for (int r = 0; r < rows; ++r) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < cols; ++c) {
        if (pq().PQgetisnull(res, r, c))
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::string(pq().PQgetvalue(res, r, c),
                                       static_cast<size_t>(pq().PQgetlength(res, r, c))));
      }
      out.rows.push_back(std::move(row));
    }
    pq().PQclear(res);
    op->results.push_back(std::move(out));
  }
  wait(op, false, [self, op] {
    if (!pq().PQconsumeInput(self->conn_))
      return self->fail(op, makeError(ErrorCode::kUnavailable, pqError(self->conn_)));
    self->read(op);
  });
}

}  // namespace novacron::io
