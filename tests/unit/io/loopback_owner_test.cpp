#include "io/loopback_owner.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace novacron::io {
namespace {

using tcp = boost::asio::ip::tcp;

// A listening socket on 127.0.0.1 and the endpoints of the connections it accepts.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd_); }
  uint16_t port() const { return port_; }

  // Waits (bounded) for the next connection; returns the owner of its other end.
  std::optional<uid_t> acceptOwner() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) return std::nullopt;
    sockaddr_in peer{}, local{};
    socklen_t len = sizeof(peer);
    int c = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    len = sizeof(local);
    ::getsockname(c, reinterpret_cast<sockaddr*>(&local), &len);
    auto owner = loopbackPeerOwner(endpoint(local), endpoint(peer));
    ::close(c);
    return owner;
  }

 private:
  static tcp::endpoint endpoint(const sockaddr_in& a) {
    return {boost::asio::ip::address_v4(ntohl(a.sin_addr.s_addr)), ntohs(a.sin_port)};
  }
  int fd_ = -1;
  uint16_t port_ = 0;
};

int connectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 ? fd : -1;
}

TEST(LoopbackOwnerTest, TheOwnerOfAConnectionsOtherEndIsKnown) {
  Listener l;
  int fd = connectTo(l.port());
  ASSERT_GE(fd, 0);
  EXPECT_EQ(l.acceptOwner(), ::geteuid());
  ::close(fd);
}

TEST(LoopbackOwnerTest, AnotherUsersConnectionIsThatUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  Listener l;
  pid_t child = ::fork();
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) _exit(2);
    int fd = connectTo(l.port());
    char b;
    if (fd >= 0) (void)::read(fd, &b, 1);  // held until the parent has looked and closed
    _exit(fd >= 0 ? 0 : 3);
  }
  EXPECT_EQ(l.acceptOwner(), 65534u);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(LoopbackOwnerTest, ARemotePeerHasNoOwnerHere) {
  tcp::endpoint local(boost::asio::ip::make_address("10.0.0.1"), 9810);
  tcp::endpoint peer(boost::asio::ip::make_address("10.0.0.2"), 40000);
  EXPECT_FALSE(loopbackPeerOwner(local, peer));
}

}  // namespace
}  // namespace novacron::io
