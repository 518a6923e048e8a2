// An application's /metrics for the integration tests: serves the file it is given, read again
// at every request, so that a test changes what the next scrape sees by rewriting the file
// (write a temporary file and rename it over, so a scrape never reads half of one).
// Usage: metrics_server FILE; prints its port; stops on SIGTERM.
//        metrics_server --churn SERIES LABELS BYTES: a hostile target instead, whose every answer
//        is SERIES new series of LABELS labels of BYTES bytes each (values never seen before).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/http_recorder.h"

namespace {
volatile std::sig_atomic_t stop = 0;
}

int main(int argc, char** argv) {
  bool churn = argc == 5 && std::string(argv[1]) == "--churn";
  if (argc != 2 && !churn) {
    std::fprintf(stderr, "usage: metrics_server FILE | --churn SERIES LABELS BYTES\n");
    return 2;
  }
  std::string file = argv[1];
  int series = churn ? std::atoi(argv[2]) : 0, labels = churn ? std::atoi(argv[3]) : 0;
  size_t bytes = churn ? static_cast<size_t>(std::atoll(argv[4])) : 0;
  auto answers = std::make_shared<long>(0);
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  novacron::testing::HttpRecorder server;
  server.setHeaders({"Content-Type: text/plain; version=0.0.4; charset=utf-8"});
  server.respond(
      [=](const novacron::testing::HttpRecorder::Request& r) -> std::pair<int, std::string> {
        if (r.target != "/metrics") return {404, "not found\n"};
        if (churn) {
          long n = ++*answers;
          std::string body, filler(bytes, 'v');
          for (int i = 0; i < series; ++i) {
            body += "app_churn{";
            for (int l = 0; l < labels; ++l)
              body += (l ? ",l" : "l") + std::to_string(l) + "=\"" + filler +
                      std::to_string(n * 100000 + i) + "\"";
            body += "} 1\n";
          }
          return {200, body};
        }
        std::ifstream in(file);
        if (!in) return {503, "no exposition yet\n"};
        std::stringstream text;
        text << in.rdbuf();
        return {200, text.str()};
      });
  std::printf("%u\n", server.port());
  std::fflush(stdout);
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return 0;
}
