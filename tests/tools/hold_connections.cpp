// hold_connections SOCKET N SECONDS: opens N connections to a control socket, reports how many
// the agent refused at once ("held H refused R"), then keeps the rest open and idle for SECONDS.
// Run with runuser as an unprivileged user, to show that one user's idle connections do not
// lock the others out.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: hold_connections SOCKET N SECONDS\n");
    return 64;
  }
  int n = std::atoi(argv[2]);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, argv[1], sizeof(a.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      std::perror("connect");
      return 2;
    }
    fds.push_back(fd);
  }
  ::usleep(300000);
  int refused = 0, held = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    char buf[512];
    if (::poll(&p, 1, 0) > 0 && ::recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT) > 0 &&
        std::strstr(buf, "\"busy\"") != nullptr) {
      ++refused;
    } else {
      ++held;
    }
  }
  std::printf("held %d refused %d\n", held, refused);
  std::fflush(stdout);
  ::sleep(static_cast<unsigned>(std::atoi(argv[3])));
  return 0;
}
