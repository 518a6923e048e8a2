// An application's /metrics for the integration tests: serves the file it is given, read again
// at every request, so that a test changes what the next scrape sees by rewriting the file
// (write a temporary file and rename it over, so a scrape never reads half of one).
// Usage: metrics_server FILE; prints its port; stops on SIGTERM.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/http_recorder.h"

namespace {
volatile std::sig_atomic_t stop = 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: metrics_server FILE\n");
    return 2;
  }
  std::string file = argv[1];
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  novacron::testing::HttpRecorder server;
  server.setHeaders({"Content-Type: text/plain; version=0.0.4; charset=utf-8"});
  server.respond(
      [file](const novacron::testing::HttpRecorder::Request& r) -> std::pair<int, std::string> {
        if (r.target != "/metrics") return {404, "not found\n"};
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
