#include "io/state_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron::agent {

Result<StateDir> StateDir::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError(ErrorCode::kIo,
                     "cannot create state directory " + dir.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "state directory " + dir.string() + " is not a directory");
  }
  ::chmod(dir.c_str(), 0750);
  auto lock_path = dir / "agent.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return makeError(ErrorCode::kIo,
                     "cannot open " + lock_path.string() + ": " + std::strerror(errno));
  }
  // A POSIX record lock, not flock: a child forked for an action does not inherit it, so the
  // lock goes with this process the moment it dies, even when a child of it lives on a little
  // (killed with -9 in the instant between its fork and its exec).
  struct flock whole {};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;
  if (::fcntl(fd, F_SETLK, &whole) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EACCES) {
      return makeError(ErrorCode::kUnavailable,
                       "another novacron-agent is running with state directory " + dir.string());
    }
    return makeError(ErrorCode::kIo,
                     "cannot lock " + lock_path.string() + ": " + std::strerror(err));
  }
  // The lock file records the holder's pid for operators; the lock itself is the record lock.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);
    (void)ignored;
  }
  return StateDir(dir, fd);
}

StateDir::StateDir(StateDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_) {
  other.lock_fd_ = -1;
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

}  // namespace novacron::agent
