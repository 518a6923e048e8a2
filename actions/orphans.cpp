#include "actions/orphans.h"

#include <dirent.h>
#include <signal.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace novacron::actions {
namespace {

struct Stat {
  char state = 0;
  pid_t pgrp = 0;
  uint64_t start = 0;
};

// /proc/PID/stat: the command name is in parentheses and may hold spaces, so fields are counted
// from the last ')'.
std::optional<Stat> readStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  Stat st;
  // After ')': state(3) ppid(4) pgrp(5) ... starttime(22).
  for (int i = 3; i <= 22 && fields >> f; ++i) {
    if (i == 3) st.state = f.empty() ? '?' : f[0];
    if (i == 5) st.pgrp = static_cast<pid_t>(std::stol(f));
    if (i == 22) st.start = std::stoull(f);
  }
  return st;
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

bool live(const Stat& st) { return st.state != 'Z' && st.state != 'X'; }

}  // namespace

std::optional<uint64_t> processStartTicks(pid_t pid) {
  auto st = readStat(pid);
  if (!st) return std::nullopt;
  return st->start;
}

int endOrphanGroup(pid_t pgid, uint64_t leader_start_ticks) {
  if (pgid <= 1) return 0;
  if (auto leader = readStat(pgid); leader && leader->start != leader_start_ticks) return 0;
  int found = 0;
  forEachPid([&](pid_t pid) {
    // Zombies are dead already; they only wait for their parent (or init) to reap them.
    if (auto st = readStat(pid); st && st->pgrp == pgid && live(*st)) ++found;
  });
  if (found > 0) ::kill(-pgid, SIGKILL);
  return found;
}

int endMarkedProcesses(const std::string& marker) {
  if (marker.empty()) return 0;
  const std::string entry = "NOVACRON_RUN=" + marker;
  std::set<pid_t> groups;
  int found = 0;
  forEachPid([&](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string var;
    while (std::getline(in, var, '\0')) {
      if (var != entry) continue;
      if (auto st = readStat(pid); st && live(*st) && st->pgrp > 1) {
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
