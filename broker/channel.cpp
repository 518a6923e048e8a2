#include "broker/channel.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace novacron::broker {

namespace {

Error osError(const char* what) {
  return makeError(ErrorCode::kIo,
                   std::string("broker channel: ") + what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::pair<Fd, Fd>> channelPair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return osError("socketpair");
  return std::pair<Fd, Fd>(Fd(sv[0]), Fd(sv[1]));
}

Result<Fd> memoryFile(const char* name, std::string_view bytes) {
  Fd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) return osError("memfd_create");
  for (size_t at = 0; at < bytes.size();) {
    ssize_t n = ::write(fd.get(), bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return osError("writing a memory file");
    at += static_cast<size_t>(n);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
    return osError("sealing a memory file");
  return fd;
}

Result<std::string> readMemoryFile(int fd, size_t max) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  struct stat st {};
  constexpr int kNeeded = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (seals < 0 || (seals & kNeeded) != kNeeded || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return makeError(ErrorCode::kMalformed, "broker channel: not a sealed memory file");
  if (static_cast<uint64_t>(st.st_size) > max)
    return makeError(ErrorCode::kMalformed,
                     "broker channel: a memory file over " + std::to_string(max) + " bytes");
  std::string out(static_cast<size_t>(st.st_size), '\0');
  for (size_t at = 0; at < out.size();) {
    ssize_t n = ::pread(fd, out.data() + at, out.size() - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return osError("reading a memory file");
    at += static_cast<size_t>(n);
  }
  return out;
}

Result<void> send(int socket, const Message& m, const std::vector<int>& fds) {
  if (fds.size() > kMaxFds)
    return makeError(ErrorCode::kInvalidArgument, "broker channel: too many descriptors");
  auto bytes = encode(m);
  if (!bytes) return bytes.error();
  iovec iov{bytes->data(), bytes->size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return osError("send");
  return {};
}

Result<Received> receive(int socket) {
  // One byte more than the largest message, so that a larger datagram shows as truncated.
  std::string buf(kMaxMessageBytes + 1, '\0');
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds));
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return osError("receive");
  Received out;
  // Descriptors first: they are ours now, and close with `out` whatever happens next.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      out.fds.emplace_back(fd);
    }
  }
  if (n == 0) return makeError(ErrorCode::kUnavailable, "broker channel: the peer has gone");
  if (msg.msg_flags & MSG_CTRUNC)
    return makeError(ErrorCode::kMalformed, "broker channel: more than 64 descriptors");
  if (msg.msg_flags & MSG_TRUNC || static_cast<size_t>(n) > kMaxMessageBytes)
    return makeError(ErrorCode::kMalformed, "broker channel: a datagram over 65536 bytes");
  auto m = decode(std::string_view(buf.data(), static_cast<size_t>(n)));
  if (!m) return m.error();
  out.message = std::move(*m);
  return out;
}

}  // namespace novacron::broker
