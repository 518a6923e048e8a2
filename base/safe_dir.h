#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/result.h"

namespace novacron {

/// A user and group: who owns a file, or as whom root reaches files (ActingAs).
struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Opens `path` from `dirfd` (AT_FDCWD or a directory's descriptor) without following a
/// symbolic link anywhere on the way and, with `beneath`, without leaving `dirfd`. openat2 does
/// it in one step; on a kernel without it (before 5.6) each component is opened with O_NOFOLLOW.
/// Returns the descriptor (O_CLOEXEC), or -1 with errno set (ELOOP: a symbolic link on the way).
int openNoSymlinks(int dirfd, const std::string& path, int flags, bool beneath);

/// A directory that root acts in through its descriptor only. It is opened once, never through
/// a symbolic link at its own name; every name inside it is then reached with the *at() calls,
/// never through a symbolic link, and what was opened is checked after opening (its type, owner
/// and links). A name that another user swaps meanwhile (a planted symbolic link, a rename race)
/// cannot send root's work anywhere else.
///
/// Where the directory is not root's alone, root does what it does there as the directory's
/// owner (ActingAs), so that it can do no more there than that user could do itself.
/// Not thread-safe; the descriptor closes with the object.
class SafeDir {
 public:
  /// Opens the directory `path`; when it is missing and `create_mode` is given, makes it (its
  /// missing parents too, which root's configuration named) with that mode first. kNotFound if
  /// missing, kInvalidArgument if it is a symbolic link or not a directory.
  static Result<SafeDir> open(const std::filesystem::path& path,
                              std::optional<mode_t> create_mode = std::nullopt);

  int fd() const { return fd_.get(); }
  const std::filesystem::path& path() const { return path_; }
  /// The directory as it is now (fstat of the descriptor).
  Result<struct stat> stat() const;
  /// True when nobody but root can change the names in it: owned by root, writable by no one
  /// else. Only there does root act on a name in it as root.
  bool rootOnly() const;
  /// Its owner and group, as whom root acts inside it when it is not root's alone.
  Owner owner() const;
  /// A path that names `name` inside this very directory, wherever the directory is renamed to
  /// (/proc/self/fd/N/NAME): for the calls that take only a path, such as bind(2).
  std::string procPath(std::string_view name) const;

  /// Opens the file `name` (one component) with `flags` (O_NOFOLLOW and O_CLOEXEC are added),
  /// then checks what it opened: a regular file with a single link (a hard link planted in the
  /// directory would name another file), owned by `owner` when given.
  Result<Fd> openFile(std::string_view name, int flags, mode_t mode,
                      std::optional<uid_t> owner) const;

  /// `name` inside it as a directory for this process's user alone (its own, mode 0700: root's
  /// for the broker), made when missing. In a directory that is not root's alone, root makes it
  /// as the directory's owner and then takes it: gives it to itself, closes it to everyone else,
  /// and only then finds it empty, so nothing that user put in it before is inside. A directory
  /// at `name` that is someone else's and not empty, or a symbolic link, is refused with the
  /// reason: never followed, never taken.
  Result<SafeDir> privateSubdir(std::string_view name) const;

  /// Gives root's own regular files in it, each with a single link, to `to` (files left by an
  /// agent that ran as root before its privileges were split). Each is opened with O_PATH and
  /// O_NOFOLLOW and changed through that descriptor. Returns how many.
  Result<int> giveRootFiles(Owner to) const;

  Result<void> chown(Owner to) const;     ///< fchown of the descriptor
  Result<void> chmod(mode_t mode) const;  ///< fchmod of the descriptor

 private:
  SafeDir(std::filesystem::path path, Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string where(std::string_view name) const;
  std::filesystem::path path_;
  Fd fd_;
};

/// Until destroyed, the calling thread makes, opens and removes files as `who` (setfsuid and
/// setfsgid; root's file capabilities are set aside meanwhile): root acting in a directory that
/// another user owns can do there only what that user could do itself. Nothing when the process
/// is not root. Only the thread that made it is affected (the file system ids are a thread's).
class ActingAs {
 public:
  explicit ActingAs(Owner who);
  ~ActingAs();
  ActingAs(const ActingAs&) = delete;
  ActingAs& operator=(const ActingAs&) = delete;
  /// False if the kernel did not take the identity (then nothing was changed).
  bool ok() const { return ok_; }

 private:
  bool active_ = false;
  bool ok_ = true;
  uid_t old_uid_ = 0;
  gid_t old_gid_ = 0;
};

}  // namespace novacron
