#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace novacron {

/// syslog priorities, so that a level is also the `<N>` prefix journald reads.
enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };
const char* logLevelName(LogLevel level);

/// Lines go to stderr as `<N>message`, N the syslog priority, which journald turns into the
/// entry's level. Outside journald (no $JOURNAL_STREAM) a UTC timestamp follows the prefix.
/// Thread-safe.
void setLogLevel(LogLevel level);
void log(LogLevel level, std::string_view message);

/// A line the agent logged, kept for `novacron logs` (the last 1,000).
struct LogEntry {
  std::chrono::system_clock::time_point at;
  LogLevel level;
  std::string message;
};
/// The kept lines at `max_level` or more severe, logged at or after `since`, oldest first.
std::vector<LogEntry> recentLogs(LogLevel max_level, std::chrono::system_clock::time_point since);

inline void logError(std::string_view m) { log(LogLevel::kError, m); }
inline void logWarning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void logNotice(std::string_view m) { log(LogLevel::kNotice, m); }
inline void logInfo(std::string_view m) { log(LogLevel::kInfo, m); }
inline void logDebug(std::string_view m) { log(LogLevel::kDebug, m); }

}  // namespace novacron
