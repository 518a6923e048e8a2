// Sequential scrapes of an agent's /metrics, a new TCP connection each, like Prometheus with
// keep-alive off: prints p50, p99 and max latency in milliseconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: scrape_bench PORT COUNT [PATH [BEARER_TOKEN]]\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  int count = std::atoi(argv[2]);
  std::string path = argc > 3 ? argv[3] : "/metrics";
  std::string auth = argc > 4 ? std::string("Authorization: Bearer ") + argv[4] + "\r\n" : "";
  std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "Connection: close\r\n\r\n";
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(count));
  size_t bytes = 0;
  for (int i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      std::perror("connect");
      return 1;
    }
    if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size()))
      return 1;
    std::string response;
    char buf[65536];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, static_cast<size_t>(n));
    ::close(fd);
    if (response.compare(0, 15, "HTTP/1.1 200 OK") != 0) {
      std::fprintf(stderr, "bad response %d: %.40s\n", i, response.c_str());
      return 1;
    }
    bytes = response.size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  };
  std::printf("scrapes=%d bytes=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n", count, bytes, pct(0.50),
              pct(0.99), ms.back());
  return 0;
}
