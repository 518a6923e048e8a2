#include "io/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace novacron::agent {

void notifyReady(std::string_view status) {
  std::string msg = "READY=1\nSTATUS=" + std::string(status);
  sd_notify(0, msg.c_str());
}

void notifyReloading() { sd_notify(0, "RELOADING=1\nSTATUS=reloading configuration"); }

void notifyStopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void notifyStatus(std::string_view status) {
  std::string msg = "STATUS=" + std::string(status);
  sd_notify(0, msg.c_str());
}

void notifyWatchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdogPeriod() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec);
  }
  return std::nullopt;
}

}  // namespace novacron::agent
