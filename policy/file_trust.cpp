#include "policy/file_trust.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace novacron::policy {
namespace {

std::optional<std::string> checkOne(const std::filesystem::path& p, const char* what) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    return std::string("cannot stat ") + what + " " + p.string() + ": " + std::strerror(errno);
  }
  if (st.st_uid != 0) {
    return std::string(what) + " " + p.string() + " is owned by uid " + std::to_string(st.st_uid) +
           ", not root; chown root it";
  }
  // A sticky directory (/tmp) lets others add files but not replace or remove root's.
  bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_dir) {
    return std::string(what) + " " + p.string() + " is writable by group or others; chmod go-w it";
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
  return checkOne(abs.parent_path(), "directory");
}

}  // namespace novacron::policy
