#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron {

/// A /proc or /sys file read again and again. The descriptor stays open between reads
/// (a pread from offset 0 regenerates a seq_file), which saves an open/close pair per file per
/// sweep; after any error the file is reopened on the next read, so a source that comes back is
/// picked up.
class ProcFile {
 public:
  explicit ProcFile(std::filesystem::path path);
  ~ProcFile();
  ProcFile(const ProcFile&) = delete;
  ProcFile& operator=(const ProcFile&) = delete;

  /// The whole file. The view stays valid until the next read() or destruction.
  Result<std::string_view> read();
  const std::filesystem::path& path() const { return path_; }
  /// For a file whose changes poll() signals with POLLPRI (/proc/self/mounts): whether it may
  /// have changed since the previous call. Always true before the first read, after an error,
  /// and for a file of another kind (a test's fixture).
  bool changed();

 private:
  std::filesystem::path path_;
  std::string buf_;
  int fd_ = -1;
  bool pollable_ = false;  // on procfs, where poll() says when the mount table changed
};

/// Reads a whole file once (open, read, close).
Result<std::string> readWholeFile(const std::filesystem::path& path);

/// Maps an errno from open/read/statvfs to an Error naming `what`.
Error errnoError(int err, const std::string& what);

}  // namespace novacron
