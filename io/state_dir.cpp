#include "io/state_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron::io {

namespace {

// Who the directory must belong to, and what to do when it belongs to root instead: the
// first start, or an older package whose tmpfiles line gave it back to root at every boot.
Result<void> giveTo(const SafeDir& dir, Owner owner) {
  auto st = dir.stat();
  if (!st) return st.error();
  if (st->st_uid == owner.uid) return {};
  if (st->st_uid != 0)
    return makeError(ErrorCode::kPermission,
                     "state directory " + dir.path().string() + " belongs to uid " +
                         std::to_string(st->st_uid) + ", neither root nor the agent's user (uid " +
                         std::to_string(owner.uid) + "): chown it to the agent's user");
  if (auto r = dir.chmod(0750); !r) return r;
  // Files an agent that ran as root before its privileges were split left (its store).
  if (auto r = dir.giveRootFiles(owner); !r) return r.error();
  return dir.chown(owner);
}

}  // namespace

Result<StateDir> StateDir::open(const std::filesystem::path& path, std::optional<Owner> owner) {
  auto dir = SafeDir::open(path, 0750);
  if (!dir) return makeError(dir.error().code, "state directory: " + dir.error().message);
  if (owner) {
    if (auto r = giveTo(*dir, *owner); !r) return r.error();
  }
  // From here on, as the directory's user: it is theirs, and nothing they planted in it can make
  // root do more than they could.
  ActingAs as(owner.value_or(Owner{::geteuid(), ::getegid()}));
  if (!as.ok())
    return makeError(ErrorCode::kPermission, "cannot act as the agent's user in " + path.string());
  // Best effort, as before: an agent run by hand in a directory of its group's keeps it as it is.
  (void)dir->chmod(0750);
  auto lock = dir->openFile("agent.lock", O_RDWR | O_CREAT | O_NONBLOCK, 0640,
                            owner ? std::optional<uid_t>(owner->uid) : std::nullopt);
  if (!lock) return lock.error();
  // A POSIX record lock, not flock: a child forked for an action does not inherit it, so the
  // lock goes with this process the moment it dies, even when a child of it lives on a little
  // (killed with -9 in the instant between its fork and its exec).
  struct flock whole {};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;
  if (::fcntl(lock->get(), F_SETLK, &whole) != 0) {
    int err = errno;
    if (err == EAGAIN || err == EACCES) {
      return makeError(ErrorCode::kUnavailable,
                       "another novacron-agent is running with state directory " + path.string());
    }
    return makeError(ErrorCode::kIo,
                     "cannot lock " + (path / "agent.lock").string() + ": " + std::strerror(err));
  }
  // The lock file records the holder's pid for operators; the lock itself is the record lock.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock->get(), 0) == 0) {
    ssize_t ignored = ::pwrite(lock->get(), pid.data(), pid.size(), 0);
    (void)ignored;
  }
  return StateDir(std::move(*dir), std::move(*lock));
}

}  // namespace novacron::io
