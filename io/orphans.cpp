#include "io/orphans.h"

#include <dirent.h>
#include <signal.h>

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <string>

#include "base/pid_stat.h"

namespace novacron::actions {
namespace {

using collectors::PidStat;
using collectors::readPidStat;

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

int endMarkedProcesses(const std::string& marker, pid_t skip_group) {
  if (marker.empty()) return 0;
  const std::string entry = "NOVACRON_RUN=" + marker;
  std::set<pid_t> groups;
  int found = 0;
  const uid_t self = ::geteuid();
  forEachPid([&](pid_t pid) {
    // Anyone can copy a marker into an environment, and a user an action ran as can read it
    // from /proc: only a process of the agent's own user is taken at its word.
    if (ownerOf(pid) != self) return;
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      if (var != entry) continue;
      if (auto st = readPidStat(pid);
          st && live(*st) && st->pgrp > 1 && (skip_group <= 0 || st->pgrp != skip_group)) {
        groups.insert(st->pgrp);
        ++found;
      }
      break;
    }
  });
  for (pid_t g : groups) ::kill(-g, SIGKILL);
  return found;
}

}  // namespace novacron::actions
