#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/text.h"

namespace novacron {

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mu;
// The recent lines for `novacron logs`: a bounded ring, so a chatty hour costs fixed memory.
constexpr size_t kKeep = 1000;
std::deque<LogEntry> g_recent;

bool underJournald() {
  static const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  return journald;
}

}  // namespace

void setLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

void log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  std::string line = "<" + std::to_string(static_cast<int>(level)) + ">";
  auto now = std::chrono::system_clock::now();
  if (!underJournald()) {
    line += formatTimestamp(
        TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())));
    line += ' ';
  }
  // Messages quote outside data (process names, label values, peers' answers): escaped, a
  // message stays one line and cannot start a line with a priority prefix of its own.
  std::string text = escapeControl(message);
  line += text;
  line += '\n';
  std::lock_guard lock(g_mu);
  g_recent.push_back({now, level, std::move(text)});
  if (g_recent.size() > kKeep) g_recent.pop_front();
  // One write per line so that concurrent writers never interleave inside a line.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

std::vector<LogEntry> recentLogs(LogLevel max_level, std::chrono::system_clock::time_point since) {
  std::lock_guard lock(g_mu);
  std::vector<LogEntry> out;
  for (const auto& e : g_recent) {
    if (static_cast<int>(e.level) <= static_cast<int>(max_level) && e.at >= since) out.push_back(e);
  }
  return out;
}

}  // namespace novacron
