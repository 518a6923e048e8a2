#include "io/orphans.h"

#include <dirent.h>
#include <signal.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "base/pid_stat.h"

namespace novacron::io {
namespace {

// The effective uid a process runs as: the owner of its /proc directory.
std::optional<uid_t> ownerOf(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid)).c_str(), &st) != 0) return std::nullopt;
  return st.st_uid;
}

// Every pid in /proc.
template <class F>
void forEachPid(F&& f) {
  DIR* d = ::opendir("/proc");
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    pid_t pid = 0;
    const char* end = e->d_name + std::char_traits<char>::length(e->d_name);
    auto [p, ec] = std::from_chars(e->d_name, end, pid);
    if (ec == std::errc() && p == end) f(pid);
  }
  ::closedir(d);
}

bool live(const PidStat& st) { return st.state != 'Z' && st.state != 'X'; }

}  // namespace

std::optional<uint64_t> processStartTicks(pid_t pid) {
  auto st = readPidStat(pid);
  if (!st) return std::nullopt;
  return st->start_ticks;
}

int endOrphanGroup(pid_t pgid, uint64_t leader_start_ticks) {
  if (pgid <= 1) return 0;
  if (auto leader = readPidStat(pgid); leader && leader->start_ticks != leader_start_ticks)
    return 0;
  int found = 0;
  forEachPid([&](pid_t pid) {
    // Zombies are dead already; they only wait for their parent (or init) to reap them.
    if (auto st = readPidStat(pid); st && st->pgrp == pgid && live(*st)) ++found;
  });
  if (found > 0) ::kill(-pgid, SIGKILL);
  return found;
}

std::string newStoreId() {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%08x%08x", rd(), rd());
  return buf;
}

uint64_t bootTicksNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  const uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  return static_cast<uint64_t>(ts.tv_sec) * hz +
         static_cast<uint64_t>(ts.tv_nsec) * hz / 1000000000ull;
}

namespace {

// The user a marker entry of the environment names: "MARKER:UID", or an older agent's bare
// "MARKER", which names this process's own user. nullopt: not this run's marker.
std::optional<uid_t> claimedUser(std::string_view var, std::string_view entry) {
  if (!var.starts_with(entry)) return std::nullopt;
  std::string_view rest = var.substr(entry.size());
  if (rest.empty()) return ::geteuid();
  if (rest.front() != ':' || rest.size() < 2) return std::nullopt;
  uid_t uid = 0;
  auto [p, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), uid);
  if (ec != std::errc() || p != rest.data() + rest.size()) return std::nullopt;
  return uid;
}

}  // namespace

int endMarkedProcesses(const std::string& marker, pid_t skip_group, uint64_t not_before_ticks) {
  if (marker.empty()) return 0;
  const std::string entry = "NOVACRON_RUN=" + marker;
  std::set<pid_t> groups;
  int found = 0;
  forEachPid([&](pid_t pid) {
    auto owner = ownerOf(pid);
    if (!owner) return;
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      auto claimed = claimedUser(var, entry);
      if (!claimed) continue;
      // Anyone can copy a marker into an environment, and a user an action ran as can read it
      // from /proc: only a process of the user the marker names is taken at its word.
      if (*claimed != *owner) break;
      if (auto st = readPidStat(pid); st && live(*st) && st->pgrp > 1 &&
                                      st->start_ticks >= not_before_ticks &&
                                      (skip_group <= 0 || st->pgrp != skip_group)) {
        groups.insert(st->pgrp);
        ++found;
      }
      break;
    }
  });
  for (pid_t g : groups) ::kill(-g, SIGKILL);
  return found;
}

}  // namespace novacron::io
