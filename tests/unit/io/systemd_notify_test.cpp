#include "io/systemd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/fixture.h"

namespace novacron::io {
namespace {

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  NotifySocket() {
    path_ = (root_.path() / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  std::string receive() {
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  testing::ScratchRoot root_;
  std::string path_;
  int fd_ = -1;
};

TEST(SystemdNotifyTest, SendsTheExactMessages) {
  NotifySocket sock;
  notifyReady("sampling");
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=sampling");
  notifyReloading();
  EXPECT_EQ(sock.receive(), "RELOADING=1\nSTATUS=reloading configuration");
  notifyWatchdog();
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  notifyStopping();
  EXPECT_EQ(sock.receive(), "STOPPING=1\nSTATUS=stopping");
}

TEST(SystemdNotifyTest, WatchdogPeriodOnlyForThisPid) {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  auto p = watchdogPeriod();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->count(), 3000000);
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_FALSE(watchdogPeriod().has_value());
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(watchdogPeriod().has_value());
}

TEST(SystemdNotifyTest, WithoutSystemdEverythingIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  notifyReady("x");
  notifyStopping();
  SUCCEED() << "no socket, no crash, no error";
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
}

}  // namespace
}  // namespace novacron::io
