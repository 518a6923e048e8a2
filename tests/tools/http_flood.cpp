// http_flood PORT N SECONDS: holds N half-sent HTTP requests to 127.0.0.1:PORT, opening each
// again as the server closes it, for SECONDS; then prints "opened K".
#include <cstdio>
#include <cstdlib>

#include "tests/support/http_flood.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: http_flood PORT N SECONDS\n");
    return 64;
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> opened{0};
  novacron::testing::holdHalfRequests(static_cast<uint16_t>(std::atoi(argv[1])),
                                      static_cast<size_t>(std::atoi(argv[2])), stop,
                                      std::chrono::seconds(std::atoi(argv[3])), opened);
  std::printf("opened %llu\n", static_cast<unsigned long long>(opened.load()));
  return 0;
}
