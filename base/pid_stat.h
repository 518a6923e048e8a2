#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace novacron {

/// The fields of /proc/PID/stat the agent uses.
struct PidStat {
  std::string comm;  ///< the name between the parentheses: any bytes, newlines included
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  uint64_t utime_ticks = 0;  ///< field 14: user CPU, clock ticks
  uint64_t stime_ticks = 0;  ///< field 15: system CPU, clock ticks
  uint32_t threads = 0;      ///< field 20
  uint64_t start_ticks = 0;  ///< field 22: clock ticks after boot
  uint64_t rss_pages = 0;    ///< field 24: resident set, pages
};

/// Parses the text of /proc/PID/stat. A process chooses its own name, which may hold ')',
/// spaces and newlines, so the fields are read after the *last* ')' of the whole text, never
/// from the first line. nullopt if the text is malformed; never throws.
std::optional<PidStat> parsePidStat(std::string_view text);

/// Reads and parses /proc/PID/stat; nullopt if the process is gone or the file is malformed.
std::optional<PidStat> readPidStat(pid_t pid);

}  // namespace novacron
