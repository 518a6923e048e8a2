#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "io/postgres/pg_connection.h"
#include "io/postgres/pg_pool.h"

namespace novacron::coordinator {

/// One connection used step by step, for what runs before serving or instead of it (migrations,
/// the token commands): each call runs the loop until its answer is in.
class SyncDb {
 public:
  SyncDb() : conn_(io::PgConnection::create(io_)) {}
  Result<void> connect(const std::string& conninfo, std::chrono::milliseconds timeout) {
    Result<void> out = makeError(ErrorCode::kTimeout, "no answer");
    bool done = false;
    conn_->connect(conninfo, timeout, [&](Result<void> r) {
      out = std::move(r);
      done = true;
    });
    wait(done);
    return out;
  }
  Result<std::vector<io::PgResult>> query(
      const std::string& sql, io::PgParams params = {},
      std::chrono::milliseconds timeout = std::chrono::minutes(10)) {
    Result<std::vector<io::PgResult>> out = makeError(ErrorCode::kTimeout, "no answer");
    bool done = false;
    auto take = [&](Result<std::vector<io::PgResult>> r) {
      out = std::move(r);
      done = true;
    };
    // Without parameters, the simple protocol: a migration is several statements.
    if (params.empty())
      conn_->query(sql, timeout, take);
    else
      conn_->query(sql, params, timeout, take);
    wait(done);
    return out;
  }

 private:
  void wait(const bool& done) {
    io_.restart();
    while (!done && io_.run_one() > 0) {
    }
  }
  boost::asio::io_context io_;
  std::shared_ptr<io::PgConnection> conn_;
};

}  // namespace novacron::coordinator
