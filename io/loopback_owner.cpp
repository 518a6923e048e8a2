#include "io/loopback_owner.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace novacron::agent {

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

std::optional<uid_t> loopbackPeerOwner(const boost::asio::ip::tcp::endpoint& local,
                                       const boost::asio::ip::tcp::endpoint& peer) {
  auto plain = [](boost::asio::ip::address a) {
    return a.is_v6() && a.to_v6().is_v4_mapped()
               ? boost::asio::ip::address(boost::asio::ip::make_address_v4(
                     boost::asio::ip::v4_mapped, a.to_v6()))  // an IPv4 client of a [::] server
               : a;
  };
  const auto from = plain(peer.address()), to = plain(local.address());
  if (!from.is_loopback() || from.is_v4() != to.is_v4()) return std::nullopt;
  // The peer's own socket: its source is our destination, and the other way round.
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.req.sdiag_family = from.is_v4() ? AF_INET : AF_INET6;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.id.idiag_sport = htons(peer.port());
  msg.req.id.idiag_dport = htons(local.port());
  putAddress(from, msg.req.id.idiag_src);
  putAddress(to, msg.req.id.idiag_dst);
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

}  // namespace novacron::agent
