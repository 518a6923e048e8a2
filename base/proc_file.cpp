#include "base/proc_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron {

Error errnoError(int err, const std::string& what) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT || err == ENOTDIR) code = ErrorCode::kNotFound;
  if (err == EACCES || err == EPERM) code = ErrorCode::kPermission;
  return makeError(code, what + ": " + std::strerror(err));
}

ProcFile::ProcFile(std::filesystem::path path) : path_(std::move(path)) {}

ProcFile::~ProcFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string_view> ProcFile::read() {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return errnoError(errno, path_.string());
    struct statfs fs {};
    pollable_ = ::fstatfs(fd_, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
  }
  if (buf_.size() < 4096) buf_.resize(4096);
  size_t used = 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buf_.data() + used, buf_.size() - used, static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd_);
      fd_ = -1;
      return errnoError(err, path_.string());
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used == buf_.size()) buf_.resize(buf_.size() * 2);
  }
  return std::string_view(buf_.data(), used);
}

bool ProcFile::changed() {
  if (fd_ < 0 || !pollable_) return true;
  pollfd p{fd_, POLLPRI, 0};
  if (::poll(&p, 1, 0) < 0) return true;
  return (p.revents & (POLLPRI | POLLERR)) != 0;
}

Result<std::string> readWholeFile(const std::filesystem::path& path) {
  ProcFile file(path);
  auto text = file.read();
  if (!text) return text.error();
  return std::string(*text);
}

}  // namespace novacron
