#include "base/secret.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace novacron {

std::optional<std::string> secretModeProblem(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if ((st.st_mode & 007) != 0)
    return std::string("is mode ") + mode +
           ": others may use it; chmod 0640 (group: the agent user's) or 0600";
  if ((st.st_mode & 020) != 0)
    return std::string("is mode ") + mode + ": its group may write it; chmod 0640";
  return std::nullopt;
}

std::optional<std::string> secretReaderProblem(const struct stat& st, const std::string& user,
                                               const std::string& path) {
  struct passwd* pw = user.empty() ? nullptr : ::getpwnam(user.c_str());
  if (!pw) return std::nullopt;
  if (st.st_uid == pw->pw_uid || (st.st_gid == pw->pw_gid && (st.st_mode & 040)))
    return std::nullopt;
  struct group* g = ::getgrgid(pw->pw_gid);
  std::string group = g ? g->gr_name : std::to_string(pw->pw_gid);
  return "cannot be read by the agent's user " + user + ": chgrp " + group + " " + path +
         " && chmod 0640 " + path;
}

Result<std::string> readSecret(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return makeError(ErrorCode::kNotFound, "cannot read the secret file " + file.string());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(ErrorCode::kInvalidArgument,
                     "the secret file " + file.string() + " is not a regular file");
  }
  // Checked on the open file, at every read: a file rotated in with a looser mode is refused.
  if (auto why = secretModeProblem(st)) {
    ::close(fd);
    return makeError(ErrorCode::kPermission, "the secret file " + file.string() + " " + *why);
  }
  std::string s;
  char buf[4096];
  ssize_t n;
  while (s.size() <= 65536 && (n = ::read(fd, buf, sizeof(buf))) > 0) {
    s.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (s.size() > 65536)
    return makeError(ErrorCode::kMalformed, "the secret file " + file.string() + " is too big");
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty())
    return makeError(ErrorCode::kMalformed, "the secret file " + file.string() + " is empty");
  for (unsigned char c : s) {
    // A header value with a line break (or any control character) would let the file inject
    // headers.
    if (c < 0x20 || c == 0x7f) {
      return makeError(
          ErrorCode::kMalformed,
          "the secret file " + file.string() + " holds more than one line or a control character");
    }
  }
  return s;
}

}  // namespace novacron
