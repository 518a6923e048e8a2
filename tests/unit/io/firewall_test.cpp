#include "io/firewall.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "tests/support/netns.h"

namespace novacron::io {
namespace {

using testing::inOwnNetns;

using namespace std::chrono_literals;

bool loopbackUp() {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strcpy(ifr.ifr_name, "lo");
  bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags |= IFF_UP;
  ok = ok && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  ::close(s);
  return ok;
}

// A UDP socket on `addr`, port `port` (0: any).
int udp(const char* addr, uint16_t port) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr, &a.sin_addr);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return -1;
  timeval tv{10, 0};  // a generous bound on a packet that should arrive
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return s;
}

bool sendTo(int s, const char* addr, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr, &a.sin_addr);
  return ::sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 1;
}

std::string listed(Firewall& fw) {
  auto l = fw.list();
  if (!l) return "list: " + l.error().message;
  std::string out;
  for (const auto& b : *l) {
    out += b.network.str() + " timeout " + std::to_string(b.timeout.count()) + "s";
    out += b.expires > 0s && b.expires <= b.timeout ? " expiring;" : " NOT expiring;";
  }
  return out;
}

TEST(FirewallTest, ABlockedSourceIsDroppedUntilItIsUnblocked) {
  if (::geteuid() != 0) GTEST_SKIP() << "nftables needs root";
  std::string report = inOwnNetns([]() -> std::string {
    if (!loopbackUp()) return "lo would not come up";
    auto fw = Firewall::open();
    if (!fw) return "open: " + fw.error().message;
    // Opening again keeps what is there (a restarted broker).
    auto v4 = *parseNetwork("127.0.0.2"), v6 = *parseNetwork("2001:db8::/48");
    if (auto r = fw->block({v4, v6}, 3600s); !r) return "block: " + r.error().message;
    if (auto again = Firewall::open(); !again) return "reopen: " + again.error().message;
    std::string out = "listed: " + listed(*fw) + "\n";
    int server = udp("127.0.0.1", 0);
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    ::getsockname(server, reinterpret_cast<sockaddr*>(&a), &len);
    uint16_t port = ntohs(a.sin_port);
    int client = udp("127.0.0.2", 0);
    if (server < 0 || client < 0) return "sockets failed";
    if (!sendTo(client, "127.0.0.1", port)) return "send failed";
    // Wait for the drop itself to be counted, with a generous bound.
    uint64_t dropped = 0;
    for (int i = 0; i < 1000 && dropped == 0; ++i) {
      dropped = fw->droppedPackets().has_value() ? *fw->droppedPackets() : 0;
      if (dropped == 0) std::this_thread::sleep_for(10ms);
    }
    char c;
    bool arrived = ::recv(server, &c, 1, MSG_DONTWAIT) == 1;
    out += "dropped " + std::to_string(dropped) + (arrived ? ", arrived" : ", not arrived") + "\n";
    if (auto r = fw->unblock({v4, *parseNetwork("198.51.100.0/24")}); !r)
      return out + "unblock: " + r.error().message;
    if (!sendTo(client, "127.0.0.1", port)) return out + "send failed";
    arrived = ::recv(server, &c, 1, 0) == 1;
    out += std::string(arrived ? "after unblock: arrived" : "after unblock: lost") + "\n";
    out += "listed: " + listed(*fw) + "\n";
    return out;
  });
  EXPECT_EQ(report,
            "listed: 127.0.0.2 timeout 3600s expiring;2001:db8::/48 timeout 3600s expiring;\n"
            "dropped 1, not arrived\n"
            "after unblock: arrived\n"
            "listed: 2001:db8::/48 timeout 3600s expiring;\n");
}

TEST(FirewallTest, ABlockOutsideItsBoundsIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "nftables needs root";
  std::string report = inOwnNetns([]() -> std::string {
    auto fw = Firewall::open();
    if (!fw) return "open: " + fw.error().message;
    auto n = *parseNetwork("203.0.113.7");
    std::string out;
    for (auto t : {0s, std::chrono::seconds(std::chrono::hours(24 * 31))}) {
      auto r = fw->block({n}, t);
      out += r ? "accepted;" : r.error().message + ";";
    }
    return out + listed(*fw);
  });
  EXPECT_EQ(report, "a block lasts from 1s to 30 days;a block lasts from 1s to 30 days;");
}

}  // namespace
}  // namespace novacron::io
