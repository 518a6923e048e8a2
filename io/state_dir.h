#pragma once

#include <filesystem>
#include <optional>

#include "base/fd.h"
#include "base/result.h"
#include "base/safe_dir.h"

namespace novacron::io {

/// The agent's state directory, created if missing (mode 0750) and locked for the life of the
/// object, so that two agents can never share one store or one socket.
///
/// With an `owner` (root, about to drop to the agent's user), the directory is that user's: a
/// directory root made or was handed back (an old package's tmpfiles line) is given to it, and
/// everything root does inside it — the lock, the mode — it does as that user (ActingAs),
/// through the directory's descriptor, never following a name the user planted.
class StateDir {
 public:
  static Result<StateDir> open(const std::filesystem::path& dir,
                               std::optional<Owner> owner = std::nullopt);
  StateDir(StateDir&& other) noexcept = default;
  StateDir& operator=(StateDir&&) = delete;
  const std::filesystem::path& path() const { return dir_.path(); }
  /// The directory's descriptor, for what root does in it after (evidence, the socket).
  const SafeDir& dir() const { return dir_; }

 private:
  StateDir(SafeDir dir, Fd lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
  SafeDir dir_;
  Fd lock_;
};

}  // namespace novacron::io
