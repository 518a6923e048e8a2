#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

struct gzFile_s;

namespace novacron::io {

/// Writes a gzip-compressed POSIX (ustar/pax) archive, one member at a time, to a new file only
/// the owner can read. Long names get a pax header, so any path fits.
class TarGzWriter {
 public:
  /// Creates `name` (0600; an existing file is an error, never overwritten) in the directory
  /// `dir`, a descriptor, never through a symbolic link; `shown` names it in errors.
  static Result<TarGzWriter> create(int dir, const std::string& name, const std::string& shown);
  TarGzWriter(TarGzWriter&& other) noexcept;
  TarGzWriter& operator=(TarGzWriter&&) = delete;
  ~TarGzWriter();

  /// A member's header; its `size` bytes must follow through write().
  Result<void> begin(const std::string& name, uint64_t size, unsigned mode, std::time_t mtime);
  Result<void> write(std::string_view data);
  /// Pads the member to a whole block.
  Result<void> end();
  /// Writes the end-of-archive blocks, closes the file and syncs it to disk.
  Result<void> finish();

 private:
  TarGzWriter(gzFile_s* gz, int sync_fd) : gz_(gz), sync_fd_(sync_fd) {}
  Result<void> raw(const void* data, size_t n);
  Result<void> header(const std::string& name, uint64_t size, unsigned mode, std::time_t mtime,
                      char type);
  gzFile_s* gz_;
  int sync_fd_;  ///< a duplicate of the file's descriptor, to fsync once gzip has closed it
  uint64_t member_size_ = 0;
};

}  // namespace novacron::io
