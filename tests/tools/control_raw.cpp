// control_raw SOCKET: sends standard input to a control socket exactly as it is (malformed JSON,
// oversized lines) and prints whatever the agent answers within 2 s or before it closes.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "tests/support/raw_socket.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: control_raw SOCKET < bytes\n");
    return 64;
  }
  std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto s = novacron::testing::RawSocket::unix(argv[1]);
  if (!s.connected()) {
    std::perror("connect");
    return 2;
  }
  // The agent may answer (and close) before all of an oversized request is sent.
  s.send(data);
  std::cout << s.receive(std::chrono::seconds(2));
  return 0;
}
