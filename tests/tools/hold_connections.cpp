// hold_connections SOCKET N SECONDS: opens N connections to a control socket, reports how many
// the agent refused at once ("held H refused R"), then keeps the rest open and idle for SECONDS.
// Run with runuser as an unprivileged user, to show that one user's idle connections do not
// lock the others out.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tests/support/raw_socket.h"

int main(int argc, char** argv) {
  using novacron::testing::RawSocket;
  if (argc != 4) {
    std::fprintf(stderr, "usage: hold_connections SOCKET N SECONDS\n");
    return 64;
  }
  std::vector<RawSocket> sockets;
  for (int i = 0; i < std::atoi(argv[2]); ++i) {
    sockets.push_back(RawSocket::unix(argv[1]));
    if (!sockets.back().connected()) {
      std::perror("connect");
      return 2;
    }
  }
  ::usleep(300000);
  int refused = 0, held = 0;
  for (auto& s : sockets) {
    if (s.receive(std::chrono::milliseconds(20), "\n").find("\"busy\"") != std::string::npos)
      ++refused;
    else
      ++held;
  }
  std::printf("held %d refused %d\n", held, refused);
  std::fflush(stdout);
  ::sleep(static_cast<unsigned>(std::atoi(argv[3])));
  return 0;
}
