#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace novacron::io {

/// sd_notify(3) messages to the service manager. Without $NOTIFY_SOCKET (not run by systemd)
/// every call is a no-op.
void notifyReady(std::string_view status);
void notifyReloading();
void notifyStopping();
void notifyStatus(std::string_view status);
void notifyWatchdog();

/// The watchdog period systemd asked for ($WATCHDOG_USEC for this pid), if any.
std::optional<std::chrono::microseconds> watchdogPeriod();

}  // namespace novacron::io
