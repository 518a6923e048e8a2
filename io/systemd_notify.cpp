#include "io/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace novacron::io {

namespace {

// The sd_notify(3) protocol, which is one datagram to $NOTIFY_SOCKET: written here rather than
// linked, because libsystemd and what it pulls in (libgcrypt, libzstd, liblz4, liblzma) cost the
// agent about 0.9 MB of resident memory for these few lines.
void notify(std::string_view message) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || (path[0] != '/' && path[0] != '@')) return;  // not run by systemd (or vsock)
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  // Best effort, as sd_notify: a service manager that is gone is not the agent's failure.
  (void)::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  ::close(fd);
}

std::optional<uint64_t> envNumber(const char* name) {
  const char* text = std::getenv(name);
  if (!text) return std::nullopt;
  uint64_t v = 0;
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace

void notifyReady(std::string_view status) { notify("READY=1\nSTATUS=" + std::string(status)); }

void notifyReloading() { notify("RELOADING=1\nSTATUS=reloading configuration"); }

void notifyStopping() { notify("STOPPING=1\nSTATUS=stopping"); }

void notifyStatus(std::string_view status) { notify("STATUS=" + std::string(status)); }

void notifyWatchdog() { notify("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdogPeriod() {
  // As sd_watchdog_enabled(): WATCHDOG_PID, when set, must name this process.
  if (std::getenv("WATCHDOG_PID") && envNumber("WATCHDOG_PID") != static_cast<uint64_t>(::getpid()))
    return std::nullopt;
  auto usec = envNumber("WATCHDOG_USEC");
  if (!usec || *usec == 0) return std::nullopt;
  return std::chrono::microseconds(*usec);
}

}  // namespace novacron::io
