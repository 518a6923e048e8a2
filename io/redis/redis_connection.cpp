#include "io/redis/redis_connection.h"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "base/secret.h"
#include "base/text.h"
#include "io/loopback_owner.h"

namespace novacron::io {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string RedisAddress::str() const {
  if (!unix_socket.empty()) return "unix:" + unix_socket.string();
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

// One operation in flight: its deadline and its callback. Wake-ups after the end find it
// finished and do nothing.
struct RedisOp {
  explicit RedisOp(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  bool finished = false;
  RedisConnection::Done done;
};

struct RedisConnection::Impl {
  explicit Impl(asio::io_context& context) : io(context), socket(context) {}
  asio::io_context& io;
  asio::generic::stream_protocol::socket socket;
  std::unique_ptr<RespReader> reader;
  bool ready = false;
  std::shared_ptr<RedisOp> op;  // the command in flight
  std::string out;
  std::array<char, 16384> in{};

  void finish(const std::shared_ptr<RedisOp>& o, Result<RedisReply> r) {
    if (o->finished) return;
    o->finished = true;
    o->timer.cancel();
    if (op == o) op.reset();
    auto done = std::move(o->done);
    done(std::move(r));
  }
  void shut() {
    ready = false;
    boost::system::error_code ignored;
    socket.close(ignored);
    reader.reset();
  }
};

std::shared_ptr<RedisConnection> RedisConnection::create(asio::io_context& io) {
  return std::shared_ptr<RedisConnection>(new RedisConnection(io));
}

RedisConnection::RedisConnection(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}

RedisConnection::~RedisConnection() { close(); }

bool RedisConnection::connected() const { return impl_->ready; }

void RedisConnection::close() {
  impl_->shut();
  if (auto op = impl_->op) {
    impl_->finish(op, makeError(ErrorCode::kUnavailable, "the connection was closed"));
  }
}

namespace {

// A server's error reply quoted in a message: one line, valid, short.
std::string serverText(const std::string& s) { return escapeControl(quoteForMessage(s, 160)); }

milliseconds left(Clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()),
                  milliseconds(1));
}

}  // namespace

void RedisConnection::command(const std::vector<std::string>& argv, milliseconds timeout,
                              Done done) {
  auto& im = *impl_;
  auto op = std::make_shared<RedisOp>(im.io);
  op->done = std::move(done);
  auto self = shared_from_this();
  if (!im.ready || im.op) {
    std::string why = im.ready ? "a command is already in flight" : "not connected";
    asio::post(im.io, [self, op, why] {
      self->impl_->finish(op, makeError(ErrorCode::kUnavailable, why));
    });
    return;
  }
  im.op = op;
  op->timer.expires_after(timeout);
  op->timer.async_wait([self, op, timeout](boost::system::error_code ec) {
    if (ec || op->finished) return;
    self->impl_->shut();
    self->impl_->finish(op,
                        makeError(ErrorCode::kTimeout,
                                  "no answer within " + std::to_string(timeout.count()) + " ms"));
  });
  im.out = formatRedisCommand(argv);
  asio::async_write(im.socket, asio::buffer(im.out),
                    [self, op](boost::system::error_code ec, size_t) {
                      if (op->finished) return;
                      if (ec) {
                        self->impl_->shut();
                        return self->impl_->finish(
                            op, makeError(ErrorCode::kUnavailable, "sending: " + ec.message()));
                      }
                      self->readReply(op);
                    });
}

void RedisConnection::readReply(std::shared_ptr<RedisOp> op) {
  auto& im = *impl_;
  if (!im.reader) return im.finish(op, makeError(ErrorCode::kUnavailable, "not connected"));
  auto next = im.reader->next();
  if (!next) {
    im.shut();
    return im.finish(op, next.error());
  }
  if (*next) return im.finish(op, std::move(**next));
  auto self = shared_from_this();
  im.socket.async_read_some(asio::buffer(im.in), [self, op](boost::system::error_code ec,
                                                            size_t n) {
    if (op->finished) return;
    auto& state = *self->impl_;
    if (ec) {
      state.shut();
      return state.finish(op, makeError(ErrorCode::kUnavailable,
                                        ec == asio::error::eof ? "the server closed the connection"
                                                               : "reading: " + ec.message()));
    }
    state.reader->feed(std::string_view(state.in.data(), n));
    self->readReply(op);
  });
}

void RedisConnection::connect(const RedisAddress& address, const RedisCredentials& credentials,
                              const std::string& client_name, milliseconds timeout,
                              std::function<void(Result<void>)> done) {
  close();
  auto& im = *impl_;
  auto self = shared_from_this();
  std::optional<std::string> password;
  if (!credentials.password_file.empty()) {
    auto pw = readSecret(credentials.password_file);
    if (!pw) {
      asio::post(im.io, [done, e = pw.error()] { done(e); });
      return;
    }
    password = std::move(*pw);
  }
  asio::generic::stream_protocol::endpoint endpoint;
  if (!address.unix_socket.empty()) {
    endpoint = asio::local::stream_protocol::endpoint(address.unix_socket.string());
  } else {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address.host, ec);
    if (ec) {
      asio::post(im.io, [done, h = address.host] {
        done(makeError(ErrorCode::kInvalidArgument, "'" + h + "' is not an IP address"));
      });
      return;
    }
    endpoint = asio::ip::tcp::endpoint(ip, address.port);
  }
  auto deadline = Clock::now() + timeout;
  // The connect is an operation like a command: the same deadline and the same single callback.
  auto op = std::make_shared<RedisOp>(im.io);
  im.op = op;
  op->timer.expires_after(timeout);
  op->timer.async_wait([self, op, timeout](boost::system::error_code ec) {
    if (ec || op->finished) return;
    self->impl_->shut();
    self->impl_->finish(
        op, makeError(ErrorCode::kTimeout,
                      "no connection within " + std::to_string(timeout.count()) + " ms"));
  });
  // After the socket connects: AUTH, then CLIENT SETNAME, each in what is left of the deadline.
  auto setName = [self, client_name, deadline, done](Result<void> authed) {
    if (!authed) return done(authed.error());
    self->command(
        {"CLIENT", "SETNAME", client_name}, left(deadline), [self, done](Result<RedisReply> r) {
          if (!r) return done(r.error());
          if (r->type == RedisReply::Type::kError) {
            self->close();
            return done(makeError(ErrorCode::kUnavailable,
                                  "the server refused the session: " + serverText(r->str)));
          }
          done(Result<void>());
        });
  };
  op->done = [self, password, user = credentials.user, server_user = credentials.server_user,
              where = address.str(), deadline, setName](Result<RedisReply> r) {
    if (!r) return setName(r.error());
    self->impl_->ready = true;
    self->impl_->reader = std::make_unique<RespReader>();
    if (!password) return setName(Result<void>());
    // The password goes only to a server of the expected user: a local user who bound the port
    // (or the socket path) first gets nothing.
    if (auto peer = io::checkSecretPeer(self->impl_->socket.native_handle(), server_user,
                                        "the Redis instance at " + where);
        !peer) {
      self->close();
      return setName(peer.error());
    }
    std::vector<std::string> auth = {"AUTH"};
    if (!user.empty()) auth.push_back(user);
    auth.push_back(*password);
    self->command(auth, left(deadline), [self, setName](Result<RedisReply> a) {
      if (!a) return setName(a.error());
      if (a->type == RedisReply::Type::kError) {
        self->close();
        return setName(
            makeError(ErrorCode::kPermission, "authentication refused: " + serverText(a->str)));
      }
      setName(Result<void>());
    });
  };
  im.socket.async_connect(endpoint, [self, op](boost::system::error_code ec) {
    if (op->finished) return;
    if (ec) {
      self->impl_->shut();
      return self->impl_->finish(op,
                                 makeError(ErrorCode::kUnavailable, "connecting: " + ec.message()));
    }
    self->impl_->finish(op, RedisReply{});
  });
}

}  // namespace novacron::io
