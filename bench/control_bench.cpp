// control_bench SOCKET N: the control socket's latency against a running agent.
//  - N sequential `version` requests, each on a new connection (the socket's own cost);
//  - N/5 `status` round trips, the whole of what `novacron status` asks (the matrix, health,
//    policy and store figures).
// Prints p50/p99/max in milliseconds for each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/cli_client.h"

namespace {

struct Figures {
  double p50, p99, max;
};

Figures measure(const std::string& socket, const std::string& request, int n) {
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto reply = novacron::cli::roundTrip(socket, request, std::chrono::seconds(5));
    auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    if (!reply || reply->find("\"ok\":true") == std::string::npos) {
      std::fprintf(stderr, "control_bench: request %d failed: %s\n", i,
                   reply ? reply->c_str() : reply.error().message.c_str());
      std::exit(1);
    }
    ms.push_back(took.count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  return {at(0.50), at(0.99), ms.back()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: control_bench SOCKET N\n");
    return 64;
  }
  int n = std::atoi(argv[2]);
  auto v = measure(argv[1], R"({"cmd":"version"})", n);
  std::printf("version x%d: p50 %.3f ms, p99 %.3f ms, max %.3f ms (target p99 <= 2 ms)\n", n, v.p50,
              v.p99, v.max);
  auto s = measure(argv[1], R"({"cmd":"status"})", n / 5);
  std::printf("status x%d: p50 %.3f ms, p99 %.3f ms, max %.3f ms (target p99 <= 10 ms)\n", n / 5,
              s.p50, s.p99, s.max);
  return 0;
}
