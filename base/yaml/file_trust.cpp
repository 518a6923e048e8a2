#include "base/yaml/file_trust.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/proc_file.h"

namespace novacron {
namespace {

std::optional<std::string> judge(const struct stat& st, const std::string& p, const char* what) {
  if (st.st_uid != 0) {
    return std::string(what) + " " + p + " is owned by uid " + std::to_string(st.st_uid) +
           ", not root; chown root it";
  }
  // A sticky directory (/tmp) lets others add files but not replace or remove root's.
  bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir) {
    return std::string(what) + " " + p + " is writable by group or others; chmod go-w it";
  }
  return std::nullopt;
}

std::optional<std::string> checkOne(const std::filesystem::path& p, const char* what) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    return std::string("cannot stat ") + what + " " + p.string() + ": " + std::strerror(errno);
  }
  return judge(st, p.string(), what);
}

// Every directory above `path` (resolved), from its parent up to /.
std::optional<std::string> checkAncestors(const std::filesystem::path& path) {
  std::error_code ec;
  auto real = std::filesystem::canonical(path, ec);
  if (ec) return "cannot resolve " + path.string() + ": " + ec.message();
  for (auto dir = real.parent_path();; dir = dir.parent_path()) {
    if (auto r = checkOne(dir, "directory")) return r;
    if (dir == dir.root_path() || dir.empty()) break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> untrustedReason(const std::filesystem::path& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  if (ec) return "cannot resolve " + path.string() + ": " + ec.message();
  if (auto r = checkOne(abs, std::filesystem::is_directory(abs, ec) ? "directory" : "file"))
    return r;
  return checkAncestors(abs);
}

Result<std::string> readTrustedFile(const std::filesystem::path& path, bool enforce) {
  if (!enforce) return readWholeFile(path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errnoError(errno, path.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(ErrorCode::kInvalidArgument, path.string() + " is not a regular file");
  }
  std::optional<std::string> why = judge(st, path.string(), "file");
  if (!why) why = checkAncestors(path);
  if (why) {
    ::close(fd);
    return makeError(ErrorCode::kPermission, "refusing to load: " + *why);
  }
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > (16u << 20)) {
      ::close(fd);
      return makeError(ErrorCode::kInvalidArgument, path.string() + " is larger than 16 MiB");
    }
  }
  int err = errno;
  ::close(fd);
  if (n < 0) return errnoError(err, path.string());
  return text;
}

}  // namespace novacron
