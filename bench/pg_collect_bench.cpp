// pg_collect_bench DSN_FILE CYCLES: the cost of one PostgreSQL collection cycle against a live
// server: wall time per cycle (p50/p99) and the agent's CPU per cycle (getrusage over the run,
// which is nothing but the collector on its loop).
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/clock.h"
#include "collectors/postgres/postgres.h"

namespace {

double cpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pg_collect_bench DSN_FILE CYCLES\n");
    return 64;
  }
  int cycles = std::atoi(argv[2]);
  boost::asio::io_context io;
  novacron::MonotonicWallClock clock;
  novacron::collectors::PostgresConfig config;
  config.name = "bench";
  config.dsn_file = argv[1];
  config.interval = std::chrono::milliseconds(50);
  config.timeout = std::chrono::milliseconds(1000);
  std::vector<double> wall;
  int seen = 0;
  size_t samples = 0;
  double cpu_start = 0;
  novacron::collectors::PostgresCollector* self = nullptr;
  novacron::collectors::PostgresCollector collector(
      io, clock, config, [&](novacron::TimePoint, std::vector<novacron::metrics::Sample> s) {
        ++seen;
        samples = s.size();
        if (seen == 2) cpu_start = cpuSeconds();  // the first cycle connects: not counted
        if (seen > 2) wall.push_back(self->health().duration_seconds * 1e3);
        if (seen == cycles + 2) io.stop();
      });
  self = &collector;
  collector.start();
  io.run();
  double cpu_ms = (cpuSeconds() - cpu_start) * 1e3 / cycles;
  if (!collector.health().up) {
    std::fprintf(stderr, "pg_collect_bench: %s\n", collector.health().last_error.c_str());
    return 1;
  }
  std::sort(wall.begin(), wall.end());
  auto at = [&](double q) {
    return wall[std::min(wall.size() - 1, static_cast<size_t>(q * wall.size()))];
  };
  std::printf(
      "postgres cycle x%d (%zu samples): wall p50 %.2f ms, p99 %.2f ms (target <= 20 ms); "
      "CPU %.3f ms per cycle (target <= 5 ms)\n",
      cycles, samples, at(0.5), at(0.99), cpu_ms);
  return 0;
}
