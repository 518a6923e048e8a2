#pragma once

#include <filesystem>

#include "base/result.h"

namespace novacron::agent {

/// The agent's state directory, created if missing (mode 0750) and locked for the life of the
/// object, so that two agents can never share one store or one socket.
class StateDir {
 public:
  static Result<StateDir> open(const std::filesystem::path& dir);
  StateDir(StateDir&& other) noexcept;
  StateDir& operator=(StateDir&&) = delete;
  ~StateDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  StateDir(std::filesystem::path path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::filesystem::path path_;
  int lock_fd_ = -1;
};

}  // namespace novacron::agent
