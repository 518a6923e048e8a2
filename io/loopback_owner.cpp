#include "io/loopback_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace novacron::io {

namespace {

void putAddress(const boost::asio::ip::address& a, __be32 (&out)[4]) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(&out[0], b.data(), b.size());
  } else {
    auto b = a.to_v6().to_bytes();
    std::memcpy(&out[0], b.data(), b.size());
  }
}

}  // namespace

namespace {

// The owner of the socket whose source is `src` and destination `dst`, from sock_diag; nullopt
// when no such socket is in this host's table.
std::optional<uid_t> socketOwner(const boost::asio::ip::tcp::endpoint& src,
                                 const boost::asio::ip::tcp::endpoint& dst) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.req.sdiag_family = src.address().is_v4() ? AF_INET : AF_INET6;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.id.idiag_sport = htons(src.port());
  msg.req.id.idiag_dport = htons(dst.port());
  putAddress(src.address(), msg.req.id.idiag_src);
  putAddress(dst.address(), msg.req.id.idiag_dst);
  msg.req.id.idiag_cookie[0] = msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  std::optional<uid_t> owner;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &msg, sizeof(msg), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) ==
      static_cast<ssize_t>(sizeof(msg))) {
    alignas(nlmsghdr) char buf[1024];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (n > 0 && NLMSG_OK(h, static_cast<unsigned>(n)) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
        h->nlmsg_len >= NLMSG_LENGTH(sizeof(inet_diag_msg))) {
      owner = static_cast<const inet_diag_msg*>(NLMSG_DATA(h))->idiag_uid;
    }
  }
  ::close(fd);
  return owner;
}

boost::asio::ip::address plain(boost::asio::ip::address a) {
  return a.is_v6() && a.to_v6().is_v4_mapped()
             ? boost::asio::ip::address(
                   boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()))
             : a;  // an IPv4 client of a [::] server
}

std::optional<boost::asio::ip::tcp::endpoint> endpointOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), &in.sin_addr, 4);
    return boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4(b), ntohs(in.sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
    boost::asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &in6.sin6_addr, 16);
    return boost::asio::ip::tcp::endpoint(plain(boost::asio::ip::address_v6(b)),
                                          ntohs(in6.sin6_port));
  }
  return std::nullopt;
}

}  // namespace

std::optional<uid_t> loopbackPeerOwner(const boost::asio::ip::tcp::endpoint& local,
                                       const boost::asio::ip::tcp::endpoint& peer) {
  const auto from = plain(peer.address()), to = plain(local.address());
  if (!from.is_loopback() || from.is_v4() != to.is_v4()) return std::nullopt;
  // The peer's own socket: its source is our destination, and the other way round.
  return socketOwner({from, peer.port()}, {to, local.port()});
}

std::optional<uid_t> localServerOwner(int fd, bool* on_this_host) {
  if (on_this_host) *on_this_host = false;
  sockaddr_storage mine{}, theirs{};
  socklen_t a = sizeof(mine), b = sizeof(theirs);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&mine), &a) != 0 ||
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&theirs), &b) != 0)
    return std::nullopt;
  if (mine.ss_family == AF_UNIX) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (on_this_host) *on_this_host = true;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
    return cred.uid;
  }
  auto local = endpointOf(mine), peer = endpointOf(theirs);
  if (!local || !peer) return std::nullopt;
  // The server's end of this connection: from its address to ours. Found only when it is a
  // socket of this host.
  auto owner = socketOwner(*peer, *local);
  if (on_this_host) *on_this_host = owner.has_value() || peer->address().is_loopback();
  return owner;
}

Result<void> checkSecretPeer(int fd, const std::string& expected_user, const std::string& what) {
  bool here = false;
  auto owner = localServerOwner(fd, &here);
  if (!here) return {};
  // The reentrant look-ups: other threads of the agent may look users up too.
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  std::optional<uid_t> expected;
  if (::getpwnam_r(expected_user.c_str(), &pw, buf, sizeof(buf), &found) == 0 && found)
    expected = found->pw_uid;
  if (owner && (*owner == 0 || (expected && *owner == *expected))) return {};
  std::string who = "nobody the kernel names";
  if (owner) {
    found = nullptr;
    ::getpwuid_r(*owner, &pw, buf, sizeof(buf), &found);
    who = (found ? std::string(found->pw_name) + " " : std::string()) + "(uid " +
          std::to_string(*owner) + ")";
  }
  return makeError(ErrorCode::kPermission,
                   "the server on this host is " + who + ", not " + expected_user +
                       " or root: no secret is sent to it (any local user may listen first; if " +
                       "it is yours, set server_user for " + what + ")");
}

}  // namespace novacron::io
