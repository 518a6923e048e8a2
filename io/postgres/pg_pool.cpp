#include "io/postgres/pg_pool.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace novacron::io {

namespace asio = boost::asio;

struct PgPool::Slot {
  std::shared_ptr<PgConnection> conn;
  bool busy = false;
};

struct PgPool::Waiting {
  std::string owned;  // the statement's text when it was built for this query
  const char* sql;    // owned's, or a constant's
  PgParams params;
  std::chrono::steady_clock::time_point deadline;
  PgDone done;
};

PgPool::PgPool(asio::io_context& io, PgPoolOptions options)
    : io_(io), options_(std::move(options)) {
  for (size_t i = 0; i < std::max<size_t>(options_.size, 1); ++i)
    slots_.push_back(std::make_unique<Slot>());
}

PgPool::~PgPool() { *alive_ = false; }

void PgPool::query(std::string sql, PgParams params, milliseconds timeout, PgDone done) {
  auto w = std::make_shared<Waiting>(Waiting{std::move(sql), nullptr, std::move(params),
                                             std::chrono::steady_clock::now() + timeout,
                                             std::move(done)});
  w->sql = w->owned.c_str();
  enqueue(std::move(w));
}

void PgPool::query(const char* static_sql, PgParams params, milliseconds timeout, PgDone done) {
  enqueue(std::make_shared<Waiting>(Waiting{{},
                                            static_sql,
                                            std::move(params),
                                            std::chrono::steady_clock::now() + timeout,
                                            std::move(done)}));
}

void PgPool::enqueue(std::shared_ptr<Waiting> w) {
  ++stats_.queries;
  for (auto& slot : slots_) {
    if (!slot->busy) return run(*slot, std::move(w));
  }
  if (queue_.size() >= options_.max_waiting) {
    ++stats_.refused_busy;
    ++stats_.failures;
    asio::post(io_,
               [w] { w->done(makeError(ErrorCode::kUnavailable, "the database pool is busy")); });
    return;
  }
  queue_.push_back(std::move(w));
}

void PgPool::run(Slot& slot, std::shared_ptr<Waiting> w) {
  slot.busy = true;
  auto left =
      std::chrono::duration_cast<milliseconds>(w->deadline - std::chrono::steady_clock::now());
  if (left <= milliseconds(0)) {
    ++stats_.failures;
    w->done(makeError(ErrorCode::kTimeout, "no database connection was free in time"));
    return release(slot);
  }
  auto finish = [this, &slot, w, alive = alive_](Result<std::vector<PgResult>> r) {
    if (!*alive) return;
    if (!r) {
      ++stats_.failures;
      stats_.last_error = r.error().message;
      // A connection-level failure leaves it closed; a statement's own error leaves it usable.
      if (r.error().code != ErrorCode::kInvalidArgument) stats_.reachable = slot.conn->connected();
    } else {
      stats_.reachable = true;
    }
    w->done(std::move(r));
    release(slot);
  };
  if (slot.conn && slot.conn->connected()) {
    slot.conn->query(w->sql, w->params, left, std::move(finish));
    return;
  }
  if (!slot.conn) slot.conn = PgConnection::create(io_);
  ++stats_.connects;
  slot.conn->connect(
      options_.conninfo, std::min(left, options_.connect_timeout),
      [this, &slot, w, finish = std::move(finish), alive = alive_](Result<void> c) mutable {
        if (!*alive) return;
        if (!c) {
          ++stats_.connect_failures;
          stats_.reachable = false;
          return finish(makeError(ErrorCode::kUnavailable,
                                  "cannot connect to the database: " + c.error().message));
        }
        auto rest = std::chrono::duration_cast<milliseconds>(w->deadline -
                                                             std::chrono::steady_clock::now());
        slot.conn->query(w->sql, w->params, std::max(rest, milliseconds(1)), std::move(finish));
      });
}

void PgPool::release(Slot& slot) {
  slot.busy = false;
  if (queue_.empty()) return;
  auto next = std::move(queue_.front());
  queue_.pop_front();
  // Posted: a long queue is not served in one deep chain of callbacks.
  asio::post(io_, [this, &slot, next, alive = alive_] {
    if (!*alive) return;
    if (slot.busy) {
      queue_.push_front(next);
      return;
    }
    run(slot, next);
  });
}

PgPoolStats PgPool::stats() const {
  PgPoolStats s = stats_;
  s.size = slots_.size();
  s.waiting = queue_.size();
  for (const auto& slot : slots_) {
    s.busy += slot->busy;
    s.connected += slot->conn && slot->conn->connected();
  }
  return s;
}

}  // namespace novacron::io
