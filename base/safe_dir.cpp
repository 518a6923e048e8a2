#include "base/safe_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace novacron {

namespace {

std::string errnoText(int err) { return std::strerror(err); }

std::string modeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// One component of a path: what root opens inside a directory must stay inside it.
bool oneComponent(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

Result<void> checkName(std::string_view name) {
  if (oneComponent(name)) return {};
  return makeError(ErrorCode::kInvalidArgument,
                   "'" + std::string(name) + "' is not a single file name");
}

// Whether the directory holds nothing but . and ..
Result<bool> isEmpty(int dirfd) {
  int copy = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    if (copy >= 0) ::close(copy);
    return makeError(ErrorCode::kIo, "cannot list a directory: " + errnoText(errno));
  }
  bool empty = true;
  while (struct dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  }
  ::closedir(d);
  return empty;
}

}  // namespace

int openNoSymlinks(int dirfd, const std::string& path, int flags, bool beneath) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : 0);
  long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  std::vector<std::string> parts;
  for (size_t pos = 0; pos < path.size();) {
    size_t end = std::min(path.find('/', pos), path.size());
    if (end > pos) parts.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  if (beneath &&
      (path.starts_with("/") || std::find(parts.begin(), parts.end(), "..") != parts.end())) {
    errno = EXDEV;
    return -1;
  }
  int at = path.starts_with("/") ? ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
           : dirfd == AT_FDCWD   ? ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                 : ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  for (size_t i = 0; at >= 0 && i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    int next = ::openat(at, parts[i].c_str(),
                        (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    ::close(at);
    errno = saved;
    at = next;
  }
  return at;
}

Result<SafeDir> SafeDir::open(const std::filesystem::path& path,
                              std::optional<mode_t> create_mode) {
  // The path itself comes from root's configuration; only its last component may be in a
  // directory that another user writes (the state dir's evidence, the socket's directory).
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT && create_mode) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (::mkdir(path.c_str(), *create_mode) != 0 && errno != EEXIST)
      return makeError(ErrorCode::kIo, "cannot create " + path.string() + ": " + errnoText(errno));
    fd = Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return makeError(ErrorCode::kNotFound, path.string() + " does not exist");
    if (err == ELOOP || err == ENOTDIR)
      return makeError(ErrorCode::kInvalidArgument,
                       path.string() + " is a symbolic link or not a directory: not followed");
    return makeError(ErrorCode::kIo, "cannot open " + path.string() + ": " + errnoText(err));
  }
  return SafeDir(path, std::move(fd));
}

Result<struct stat> SafeDir::stat() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0)
    return makeError(ErrorCode::kIo, "cannot stat " + path_.string() + ": " + errnoText(errno));
  return st;
}

bool SafeDir::rootOnly() const {
  auto st = stat();
  return st && st->st_uid == 0 && (st->st_mode & 022) == 0;
}

Owner SafeDir::owner() const {
  auto st = stat();
  return st ? Owner{st->st_uid, st->st_gid} : Owner{};
}

std::string SafeDir::procPath(std::string_view name) const {
  return "/proc/self/fd/" + std::to_string(fd_.get()) + "/" + std::string(name);
}

std::string SafeDir::where(std::string_view name) const { return (path_ / name).string(); }

Result<Fd> SafeDir::openFile(std::string_view name, int flags, mode_t mode,
                             std::optional<uid_t> owner) const {
  if (auto r = checkName(name); !r) return r.error();
  std::string n(name);
  Fd fd(::openat(fd_.get(), n.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ELOOP)
      return makeError(ErrorCode::kPermission,
                       where(name) + " is a symbolic link: not followed (remove it)");
    return makeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                     "cannot open " + where(name) + ": " + errnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return makeError(ErrorCode::kIo, "cannot stat " + where(name) + ": " + errnoText(errno));
  if (!S_ISREG(st.st_mode))
    return makeError(ErrorCode::kPermission, where(name) + " is not a regular file");
  if (st.st_nlink != 1)
    return makeError(ErrorCode::kPermission,
                     where(name) + " has " + std::to_string(st.st_nlink) +
                         " links: another name for it may be anywhere on its file system");
  if (owner && st.st_uid != *owner)
    return makeError(ErrorCode::kPermission, where(name) + " belongs to uid " +
                                                 std::to_string(st.st_uid) + ", not to uid " +
                                                 std::to_string(*owner));
  return fd;
}

Result<SafeDir> SafeDir::privateSubdir(std::string_view name) const {
  if (auto r = checkName(name); !r) return r.error();
  std::string n(name);
  auto openSub = [&] {
    return Fd(::openat(fd_.get(), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  };
  Fd sub = openSub();
  if (sub.get() < 0 && errno == ENOENT) {
    // Root may not write in a directory another user owns (no CAP_DAC_OVERRIDE under the unit),
    // nor should it: the owner makes it, root takes it below.
    int made = 0;
    {
      std::optional<ActingAs> as;
      if (!rootOnly()) as.emplace(owner());
      if (as && !as->ok())
        return makeError(ErrorCode::kPermission, "cannot act as the owner of " + path_.string() +
                                                     " to make " + std::string(name));
      made = ::mkdirat(fd_.get(), n.c_str(), 0700);
    }
    if (made != 0 && errno != EEXIST)
      return makeError(ErrorCode::kIo, "cannot create " + where(name) + ": " + errnoText(errno));
    sub = openSub();
  }
  if (sub.get() < 0) {
    int err = errno;
    if (err == ELOOP || err == ENOTDIR)
      return makeError(ErrorCode::kPermission, where(name) +
                                                   " is a symbolic link or not a directory: not "
                                                   "followed (remove it; it is made again)");
    return makeError(ErrorCode::kIo, "cannot open " + where(name) + ": " + errnoText(err));
  }
  SafeDir dir(path_ / name, std::move(sub));
  auto st = dir.stat();
  if (!st) return st.error();
  const uid_t me = ::geteuid();
  if (st->st_uid != me) {
    // The owner of this directory made it, or put it there: root takes it only empty, and finds
    // it so only once nobody else can add to it.
    if (st->st_uid != owner().uid)
      return makeError(ErrorCode::kPermission, where(name) + " belongs to uid " +
                                                   std::to_string(st->st_uid) + ": not taken");
    auto notEmpty = [&] {
      return makeError(ErrorCode::kPermission,
                       where(name) +
                           " is another user's and not empty: its files are not "
                           "trusted (look at them, remove the directory; it is made "
                           "again)");
    };
    auto before = isEmpty(dir.fd());
    if (!before) return before.error();
    if (!*before) return notEmpty();
    if (::fchown(dir.fd(), me, ::getegid()) != 0)
      return makeError(ErrorCode::kPermission,
                       where(name) + " belongs to another user: " + errnoText(errno));
    if (::fchmod(dir.fd(), 0700) != 0)
      return makeError(ErrorCode::kPermission,
                       "cannot close " + where(name) + ": " + errnoText(errno));
    // Again, now that nobody else can add to it: something put in it meanwhile is not taken.
    auto after = isEmpty(dir.fd());
    if (!after) return after.error();
    if (!*after) return notEmpty();
  } else if ((st->st_mode & 077) != 0 && ::fchmod(dir.fd(), 0700) != 0) {
    return makeError(ErrorCode::kPermission, where(name) + " is mode " + modeText(st->st_mode) +
                                                 " and cannot be closed: " + errnoText(errno));
  }
  return dir;
}

Result<int> SafeDir::giveRootFiles(Owner to) const {
  int copy = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    if (copy >= 0) ::close(copy);
    return makeError(ErrorCode::kIo, "cannot list " + path_.string() + ": " + errnoText(errno));
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    if (oneComponent(e->d_name)) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  int given = 0;
  for (const auto& n : names) {
    // O_PATH opens nothing (no FIFO blocks, no device wakes): it only pins the inode checked.
    Fd f(::openat(fd_.get(), n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (f.get() < 0 || ::fstat(f.get(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1) continue;
    if (::fchownat(f.get(), "", to.uid, to.gid, AT_EMPTY_PATH) != 0)
      return makeError(ErrorCode::kPermission, "cannot give " + where(n) + " to uid " +
                                                   std::to_string(to.uid) + ": " +
                                                   errnoText(errno));
    ++given;
  }
  return given;
}

Result<void> SafeDir::chown(Owner to) const {
  if (::fchown(fd_.get(), to.uid, to.gid) != 0)
    return makeError(ErrorCode::kPermission, "cannot give " + path_.string() + " to uid " +
                                                 std::to_string(to.uid) + ": " + errnoText(errno));
  return {};
}

Result<void> SafeDir::chmod(mode_t mode) const {
  if (::fchmod(fd_.get(), mode) != 0)
    return makeError(ErrorCode::kPermission, "cannot chmod " + modeText(mode) + " " +
                                                 path_.string() + ": " + errnoText(errno));
  return {};
}

ActingAs::ActingAs(Owner who) {
  if (::geteuid() != 0) return;
  // setfsuid and setfsgid answer with the previous id whatever happens; asking again with an id
  // that cannot be taken (-1) tells what is in force.
  old_gid_ = static_cast<gid_t>(::setfsgid(who.gid));
  old_uid_ = static_cast<uid_t>(::setfsuid(who.uid));
  active_ = true;
  ok_ = static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) == who.uid &&
        static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) == who.gid;
}

ActingAs::~ActingAs() {
  if (!active_) return;
  ::setfsuid(old_uid_);
  ::setfsgid(old_gid_);
}

}  // namespace novacron
