#include "collectors/probes/probe_set.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/fake_clock.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"
#include "tests/support/io_thread.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::HttpRecorder;

// Runs a ProbeSet on a loop thread until every probe has been checked `n` times (bounded).
struct Harness {
  testing::IoThread io;
  testing::FakeClock clock{testing::at()};
  std::vector<std::vector<metrics::Sample>> sunk;
  std::unique_ptr<ProbeSet> set;

  Harness(std::vector<collectors::ProbeConfig> probes, std::string systemctl = "/bin/false") {
    io.run([&] {
      set = std::make_unique<ProbeSet>(
          io.io(), clock, systemctl,
          [this](TimePoint, std::vector<metrics::Sample> s) { sunk.push_back(std::move(s)); });
      set->configure(probes);
      return 0;
    });
  }
  ~Harness() {
    io.run([&] {
      set.reset();
      return 0;
    });
  }
  std::vector<ProbeHealth> waitChecked(size_t checks) {
    for (int i = 0; i < 500; ++i) {
      size_t n = io.run([&] { return sunk.size(); });
      if (n >= checks) break;
      std::this_thread::sleep_for(10ms);
    }
    return io.run([&] { return set->health(); });
  }
};

collectors::ProbeConfig probe(std::string name, std::string type, std::string target) {
  collectors::ProbeConfig p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.target = std::move(target);
  p.timeout = 500ms;
  p.interval = 1s;
  return p;
}

TEST(ProbeSetTest, HttpTcpAndSystemdProbesReportUpLatencyAndErrors) {
  HttpRecorder web;
  testing::ScratchRoot dir;
  dir.load("empty");
  auto systemctl = dir.path() / "systemctl";
  std::ofstream(systemctl) << "#!/bin/sh\n[ \"$3\" = good.service ] && { echo active; exit 0; }\n"
                              "echo inactive; exit 3\n";
  ::chmod(systemctl.c_str(), 0755);
  Harness h({probe("web", "http", web.url("/health")),
             probe("db", "tcp", "127.0.0.1:" + std::to_string(web.port())),
             probe("closed", "tcp", "127.0.0.1:" + std::to_string(testing::freePort())),
             probe("good", "systemd", "good.service"), probe("bad", "systemd", "bad.service")},
            systemctl.string());
  auto health = h.waitChecked(5);
  ASSERT_EQ(health.size(), 5u);
  EXPECT_TRUE(health[0].up) << health[0].last_error;
  EXPECT_EQ(web.requests().at(0).target, "/health");
  EXPECT_TRUE(health[1].up) << health[1].last_error;
  EXPECT_FALSE(health[2].up);
  EXPECT_EQ(health[2].last_error, "connecting: Connection refused");
  EXPECT_EQ(health[2].error_ratio, 1.0);
  EXPECT_TRUE(health[3].up) << health[3].last_error;
  EXPECT_FALSE(health[4].up);
  EXPECT_EQ(health[4].last_error, "inactive");
  EXPECT_GT(health[0].duration_seconds, 0.0);

  auto latest = h.io.run([&] { return h.set->latest(); });
  ASSERT_EQ(latest.size(), 15u) << "up, latency and error ratio per probe";
  EXPECT_EQ(latest[0].metric->name, "novacron_probe_up");
  EXPECT_EQ(latest[0].labels, (metrics::Labels{{"probe", "web"}, {"type", "http"}}));
}

TEST(ProbeSetTest, AWrongStatusOrAHangIsDownWithinTheTimeout) {
  HttpRecorder web;
  web.answer(503, "no");
  HttpRecorder hung;
  hung.setMode(HttpRecorder::Mode::kHang);
  Harness h({probe("web", "http", web.url()), probe("hung", "http", hung.url())});
  auto start = std::chrono::steady_clock::now();
  auto health = h.waitChecked(2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(health[0].up);
  EXPECT_EQ(health[0].last_error, "status 503, expected 200");
  EXPECT_FALSE(health[1].up);
  EXPECT_NE(health[1].last_error.find("within 500 ms"), std::string::npos) << health[1].last_error;
  hung.setMode(HttpRecorder::Mode::kAnswer);
}

}  // namespace
}  // namespace novacron::collectors
