#include "agent/control/control_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/safe_dir.h"

namespace novacron::agent {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

struct ControlSocket::State {
  State(asio::io_context& io_, ControlHandler h, ControlLimits l)
      : io(io_), acceptor(io_), handler(std::move(h)), limits(l) {}
  asio::io_context& io;
  stream::acceptor acceptor;
  ControlHandler handler;
  ControlLimits limits;
  std::filesystem::path path;
  size_t active = 0;
  std::map<uid_t, size_t> per_uid;  ///< open sessions by peer uid
};

std::string errorReply(std::string_view code, std::string_view message) {
  nlohmann::json j = {{"ok", false}, {"error", {{"code", code}, {"message", message}}}};
  return jsonText(j);
}

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

PeerCredentials peerOf(stream::socket& s) {
  struct ucred cred {};
  socklen_t len = sizeof(cred);
  PeerCredentials p;
  // An unreadable credential must never look like root: mark it with an impossible uid.
  if (::getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    p.uid = static_cast<uid_t>(-1);
    p.gid = static_cast<gid_t>(-1);
    return p;
  }
  p = {cred.pid, cred.uid, cred.gid, {}};
  // The supplementary groups too (Linux 4.13+): group membership decides the peer's role.
  gid_t groups[256];
  socklen_t glen = sizeof(groups);
  if (::getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
    p.groups.assign(groups, groups + glen / sizeof(gid_t));
  }
  return p;
}

// The handler's reply, whenever it comes. One that throws is answered with an internal error,
// and a reply after that is dropped: the session has moved on.
asio::awaitable<std::string> answer(ControlSocket::State& st, const std::string& line,
                                    const PeerCredentials& peer) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(std::string)>(
      [&st, &line, &peer](auto completion) {
        using Completion = decltype(completion);
        auto slot = std::make_shared<std::optional<Completion>>(std::move(completion));
        // Posted, so that a reply given at once does not resume the session inside the handler.
        auto reply = [slot, &io = st.io](std::string r) {
          if (!*slot) return;
          asio::post(io, [c = std::move(**slot), r = std::move(r)]() mutable { c(std::move(r)); });
          slot->reset();
        };
        try {
          st.handler(line, peer, reply);
        } catch (const std::exception& e) {
          internalError("a control command", e.what());
          reply(errorReply("internal", "internal error"));
        }
      },
      asio::use_awaitable);
}

asio::awaitable<void> session(std::shared_ptr<ControlSocket::State> st, stream::socket socket,
                              PeerCredentials peer) {
  ++st->active;
  ++st->per_uid[peer.uid];
  struct Release {
    ControlSocket::State& s;
    uid_t uid;
    ~Release() {
      --s.active;
      if (--s.per_uid[uid] == 0) s.per_uid.erase(uid);
    }
  } release{*st, peer.uid};

  asio::streambuf buf(st->limits.max_request_bytes);
  asio::steady_timer idle(st->io);
  bool timed_out = false;
  for (;;) {
    idle.expires_after(st->limits.idle_timeout);
    idle.async_wait([&socket, &timed_out](boost::system::error_code ec) {
      if (ec) return;  // re-armed or session over: the captured references may be gone
      timed_out = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    });
    auto [ec, n] = co_await asio::async_read_until(socket, buf, '\n', kTok);
    idle.cancel();
    if (ec) {
      std::string reply;
      if (ec == asio::error::not_found) {
        reply = errorReply(
            "request_too_large",
            "request line longer than " + std::to_string(st->limits.max_request_bytes) + " bytes");
      } else if (timed_out) {
        reply = errorReply("idle_timeout", "no complete request within the idle timeout");
      }
      if (!reply.empty()) {
        reply += '\n';
        asio::steady_timer guard(st->io, std::chrono::seconds(1));
        guard.async_wait([&socket](boost::system::error_code e) {
          if (!e) socket.close();
        });
        co_await asio::async_write(socket, asio::buffer(reply), kTok);
      }
      break;
    }
    std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n - 1);
    buf.consume(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reply = co_await answer(*st, line, peer);
    reply += '\n';
    // A client that never reads must not hold the session forever.
    idle.expires_after(st->limits.idle_timeout);
    idle.async_wait([&socket](boost::system::error_code e) {
      if (!e) socket.close();
    });
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(reply), kTok);
    idle.cancel();
    if (wec) break;
  }
}

asio::awaitable<void> acceptLoop(std::shared_ptr<ControlSocket::State> st) {
  for (;;) {
    auto [ec, socket] = co_await st->acceptor.async_accept(kTok);
    if (ec == asio::error::operation_aborted || !st->acceptor.is_open()) co_return;
    if (ec) {
      logWarning("control socket accept failed: " + ec.message());
      asio::steady_timer t(st->io, std::chrono::milliseconds(100));
      co_await t.async_wait(kTok);
      continue;
    }
    PeerCredentials peer = peerOf(socket);
    // One user's idle connections must not lock the others out: each uid has its own share.
    std::string refusal;
    if (st->active >= st->limits.max_connections) {
      refusal = errorReply("busy", "too many control connections; retry");
    } else if (st->per_uid[peer.uid] >= st->limits.max_per_uid) {
      refusal = errorReply("busy", "uid " + std::to_string(peer.uid) + " already has " +
                                       std::to_string(st->limits.max_per_uid) +
                                       " control connections open; close some and retry");
    }
    if (st->per_uid[peer.uid] == 0) st->per_uid.erase(peer.uid);
    if (!refusal.empty()) {
      refusal += "\n";
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(refusal), ignored);
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(st->io, session(st, std::move(socket), std::move(peer)), asio::detached);
  }
}

}  // namespace

ControlSocket::ControlSocket(asio::io_context& io, ControlHandler handler, ControlLimits limits)
    : state_(std::make_shared<State>(io, std::move(handler), limits)) {}

ControlSocket::~ControlSocket() { stop(); }

Result<void> ControlSocket::listen(const std::filesystem::path& path, mode_t mode,
                                   std::optional<gid_t> group, std::optional<uid_t> owner) {
  // Everything below goes through the directory's descriptor. Where root alone can change the
  // names in it (/run/novacron under the unit), root acts there as root; anywhere else (the state
  // dir of `make run`, the agent user's) it acts as the socket's owner, so that a name the user
  // swaps in meanwhile (a symbolic link, a renameat2 exchange) gets nothing the user could not
  // have done itself: root never chmods or chowns a name in someone else's directory.
  auto dir = SafeDir::open(path.parent_path());
  if (!dir) return makeError(ErrorCode::kIo, "control socket: " + dir.error().message);
  const std::string name = path.filename().string();
  std::optional<ActingAs> as;
  uid_t give_to = owner ? *owner : static_cast<uid_t>(-1);
  gid_t give_group = group ? *group : static_cast<gid_t>(-1);
  if (owner && !dir->rootOnly()) {
    as.emplace(Owner{*owner, group.value_or(dir->owner().gid)});
    if (!as->ok())
      return makeError(ErrorCode::kPermission, "control socket: cannot act as uid " +
                                                   std::to_string(*owner) + " in " +
                                                   dir->path().string());
    give_to = static_cast<uid_t>(-1);  // made as the owner already
  }
  struct stat st {};
  if (::fstatat(dir->fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "control socket path " + path.string() + " exists and is not a socket");
    }
    // The agent holds the state directory's lock, so a socket here is a leftover of a crash.
    ::unlinkat(dir->fd(), name.c_str(), 0);
  }
  boost::system::error_code ec;
  stream::acceptor& a = state_->acceptor;
  a.open(stream(), ec);
  if (ec) return makeError(ErrorCode::kIo, "control socket: " + ec.message());
  // The socket file is created by bind with the umask's mode; narrow it before, not after.
  mode_t old = ::umask(0777 & ~mode);
  a.bind(stream::endpoint(dir->procPath(name)), ec);
  ::umask(old);
  if (ec) {
    a.close();
    return makeError(ErrorCode::kIo,
                     "control socket: cannot bind " + path.string() + ": " + ec.message());
  }
  auto undo = [&](const char* what) {
    int err = errno;
    a.close();
    ::unlinkat(dir->fd(), name.c_str(), 0);
    return makeError(ErrorCode::kIo, std::string("control socket: ") + what + " " + path.string() +
                                         ": " + std::strerror(err));
  };
  if (::fchmodat(dir->fd(), name.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0) return undo("chmod");
  // After the chmod: once the socket is another user's, changing its mode takes CAP_FOWNER,
  // which the packaged unit does not keep. The group too when made as the owner: a directory
  // with the set-group-id bit gives its own.
  if ((give_to != static_cast<uid_t>(-1) || give_group != static_cast<gid_t>(-1)) &&
      ::fchownat(dir->fd(), name.c_str(), give_to, give_group, AT_SYMLINK_NOFOLLOW) != 0)
    return undo("chown");
  as.reset();
  a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(ErrorCode::kIo, "control socket: listen: " + ec.message());
  state_->path = path;
  asio::co_spawn(state_->io, acceptLoop(state_), asio::detached);
  return {};
}

void ControlSocket::stop() {
  boost::system::error_code ec;
  if (state_->acceptor.is_open()) {
    state_->acceptor.close(ec);
    if (!state_->path.empty()) ::unlink(state_->path.c_str());
  }
}

}  // namespace novacron::agent
