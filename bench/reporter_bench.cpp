// Replays a full outbox to a local test coordinator: 100,000 queued events (by default) are
// delivered in batches by the real Reporter over HTTP, each batch marked delivered durably.
// Prints events per second (target: at least 5,000).
#include <sqlite3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "incidents/store.h"
#include "reporting/reporter.h"
#include "tests/support/http_recorder.h"

using namespace novacron;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  int64_t events = argc > 1 ? std::atoll(argv[1]) : 100000;
  size_t batch = argc > 2 ? static_cast<size_t>(std::atoll(argv[2])) : 500;
  auto dir =
      std::filesystem::temp_directory_path() / ("reporter_bench_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "agent.db";
  {
    // The schema from the store itself, then a bulk load: queueing is not what is measured.
    auto s = incidents::Store::open(file);
    if (!s) return std::fprintf(stderr, "%s\n", s.error().message.c_str()), 1;
    incidents::IncidentRecord r{"bench-1",
                                "disk_full",
                                "{\"mountpoint\":\"/\"}",
                                2,
                                "infrastructure",
                                incidents::IncidentState::kOpen,
                                false,
                                "",
                                TimePoint{},
                                std::nullopt,
                                std::nullopt};
    (void)(*s)->createIncident(r);
  }
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* ev = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO events (incident_id, at, kind, data) VALUES ('bench-1', ?1, "
                     "'action_result', '{\"action\":\"clean_tmp\",\"state\":\"done\",\"exit\":0,"
                     "\"duration_ms\":412,\"output\":\"removed 1204 files\"}')",
                     -1, &ev, nullptr);
  for (int64_t i = 0; i < events; ++i) {
    sqlite3_bind_int64(ev, 1, 1764115200000 + i);
    sqlite3_step(ev);
    sqlite3_reset(ev);
  }
  sqlite3_finalize(ev);
  sqlite3_exec(db, "INSERT INTO outbox (event_seq) SELECT seq FROM events; COMMIT", nullptr,
               nullptr, nullptr);
  sqlite3_close(db);

  auto store = incidents::Store::open(file);
  if (!store) return std::fprintf(stderr, "%s\n", store.error().message.c_str()), 1;
  testing::HttpRecorder coordinator;
  boost::asio::io_context io;
  MonotonicWallClock clock;
  reporting::ReporterOptions o;
  o.urls = {coordinator.url("/v1/events")};
  o.batch_size = batch;
  o.node_id = "bench";
  o.store_id = "b1";
  reporting::Reporter reporter(io, **store, clock, o);
  auto start = std::chrono::steady_clock::now();
  reporter.start();
  boost::asio::steady_timer poll(io);
  std::function<void()> check = [&] {
    if ((*store)->outboxDepth() == 0 || std::chrono::steady_clock::now() - start > 120s) {
      reporter.stop();
      io.stop();
      return;
    }
    poll.expires_after(5ms);
    poll.async_wait([&](boost::system::error_code) { check(); });
  };
  check();
  io.run();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& st = reporter.stats();
  std::printf(
      "reporter: %llu of %lld events delivered in %zu-event batches in %.2f s: %.0f events/s, "
      "%llu POSTs, %llu failures (target >= 5,000 events/s)\n",
      static_cast<unsigned long long>(st.delivered), static_cast<long long>(events), batch, secs,
      static_cast<double>(st.delivered) / secs, static_cast<unsigned long long>(st.attempts),
      static_cast<unsigned long long>(st.failures));
  std::filesystem::remove_all(dir);
  return st.delivered == static_cast<uint64_t>(events) ? 0 : 1;
}
