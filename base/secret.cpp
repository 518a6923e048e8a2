#include "base/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron::actions {

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
  if (::geteuid() == 0 && (st.st_mode & 077) != 0) {
    ::close(fd);
    return makeError(
        ErrorCode::kPermission,
        "the secret file " + file.string() + " must be readable by its owner only (chmod 0600)");
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

}  // namespace novacron::actions
