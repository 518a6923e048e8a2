#include "io/tar_gz.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>

namespace novacron::io {
namespace {

constexpr size_t kBlock = 512;

// Octal, zero-padded, NUL-terminated in a field of `width` bytes.
void octal(char* field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

}  // namespace

Result<TarGzWriter> TarGzWriter::create(int dir, const std::string& name,
                                        const std::string& shown) {
  int fd = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return makeError(ErrorCode::kIo, "cannot create " + shown + ": " + std::strerror(errno));
  }
  int sync_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  gzFile gz = sync_fd < 0 ? nullptr : ::gzdopen(fd, "wb6");
  if (!gz) {
    ::close(fd);
    if (sync_fd >= 0) ::close(sync_fd);
    return makeError(ErrorCode::kIo, "cannot start compressing " + shown);
  }
  return TarGzWriter(gz, sync_fd);
}

TarGzWriter::TarGzWriter(TarGzWriter&& other) noexcept
    : gz_(other.gz_), sync_fd_(other.sync_fd_), member_size_(other.member_size_) {
  other.gz_ = nullptr;
  other.sync_fd_ = -1;
}

TarGzWriter::~TarGzWriter() {
  if (gz_) ::gzclose(gz_);
  if (sync_fd_ >= 0) ::close(sync_fd_);
}

Result<void> TarGzWriter::raw(const void* data, size_t n) {
  if (n == 0) return {};
  if (!gz_ || ::gzwrite(gz_, data, static_cast<unsigned>(n)) != static_cast<int>(n)) {
    int err = 0;
    const char* msg = gz_ ? ::gzerror(gz_, &err) : "closed";
    return makeError(ErrorCode::kIo, std::string("writing the archive: ") +
                                         (err == Z_ERRNO ? std::strerror(errno) : msg));
  }
  return {};
}

Result<void> TarGzWriter::header(const std::string& name, uint64_t size, unsigned mode,
                                 std::time_t mtime, char type) {
  char h[kBlock] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
  octal(h + 100, 8, mode & 07777);
  octal(h + 108, 8, 0);
  octal(h + 116, 8, 0);
  octal(h + 124, 12, size);
  octal(h + 136, 12, static_cast<uint64_t>(mtime));
  std::memset(h + 148, ' ', 8);
  h[156] = type;
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memcpy(h + 265, "root", 4);
  std::memcpy(h + 297, "root", 4);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);
  return raw(h, kBlock);
}

Result<void> TarGzWriter::begin(const std::string& name, uint64_t size, unsigned mode,
                                std::time_t mtime) {
  if (name.size() >= 100) {
    // pax: "LEN path=NAME\n", where LEN counts itself.
    std::string record = " path=" + name + "\n";
    size_t len = record.size() + 1;
    while (std::to_string(len).size() + record.size() != len) ++len;
    record = std::to_string(len) + record;
    if (auto r = header("PaxHeader", record.size(), 0644, mtime, 'x'); !r) return r;
    member_size_ = record.size();
    if (auto r = write(record); !r) return r;
    if (auto r = end(); !r) return r;
  }
  member_size_ = size;
  return header(name.substr(0, 99), size, mode, mtime, '0');
}

Result<void> TarGzWriter::write(std::string_view data) { return raw(data.data(), data.size()); }

Result<void> TarGzWriter::end() {
  static const char kZeros[kBlock] = {};
  size_t pad = (kBlock - member_size_ % kBlock) % kBlock;
  member_size_ = 0;
  return raw(kZeros, pad);
}

Result<void> TarGzWriter::finish() {
  static const char kZeros[2 * kBlock] = {};
  if (auto r = raw(kZeros, sizeof(kZeros)); !r) return r;
  int rc = ::gzclose(gz_);
  gz_ = nullptr;
  bool synced = ::fsync(sync_fd_) == 0;
  ::close(sync_fd_);
  sync_fd_ = -1;
  if (rc != Z_OK || !synced) return makeError(ErrorCode::kIo, "closing the archive failed");
  return {};
}

}  // namespace novacron::io
