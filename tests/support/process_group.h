#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace novacron::testing {

// True once no live process of the group is left (waiting a bounded while for SIGKILL to land).
// Zombies waiting for init to reap them are dead and do not count.
// Live processes in a process group. Zombies waiting for init to reap them are dead and do not
// count.
inline int groupSize(pid_t pgid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    n += pgrp == pgid && state != 'Z' && state != 'X';
  }
  return n;
}

// True once no live process of the group is left (waiting a bounded while for SIGKILL to land).
inline bool groupGone(pid_t pgid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (groupSize(pgid) > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace novacron::testing
