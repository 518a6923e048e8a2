#pragma once

#include <sys/types.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "base/pid_stat.h"

namespace novacron::testing {

// Live processes in a process group. Zombies waiting for init to reap them are dead and do not
// count.
inline int groupSize(pid_t pgid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    std::string name = e.path().filename().string();
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || p != name.data() + name.size()) continue;
    auto st = readPidStat(pid);
    n += st && st->pgrp == pgid && st->state != 'Z' && st->state != 'X';
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
