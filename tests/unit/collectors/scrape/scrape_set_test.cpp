#include "collectors/scrape/scrape_set.h"

#include <zlib.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "collectors/registry.h"
#include "collectors/scrape/scraped_metrics.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"
#include "tests/support/io_thread.h"

namespace novacron::collectors {
namespace {

using namespace std::chrono_literals;
using testing::HttpRecorder;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(NOVACRON_FIXTURES_DIR) + "/exposition/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

ScrapeConfig target(std::string name, std::string url) {
  ScrapeConfig c;
  c.name = std::move(name);
  c.url = std::move(url);
  c.interval = 1s;
  c.timeout = 500ms;
  return c;
}

// The labels of a sample as "k=v,..." (sorted as they come).
std::string labelsOf(const metrics::Sample& s) {
  std::string out;
  for (const auto& l : s.labels) out += l.name + "=" + l.value + ",";
  return out;
}

TEST(ScrapeReaderTest, TheAllowListTheCapAndTheTargetLabel) {
  ScrapeConfig c = target("app", "");
  c.metrics = {"http_.*", "jobs_queue_depth"};
  c.max_series = 8;
  ScrapeReader reader(c);
  auto read = reader.read(fixture("app_t0.prom") +
                          "novacron_cpu_usage_ratio 1\n"
                          "jobs_queue_depth{queue=\"x\",target=\"theirs\"} 3\n"
                          "not a sample\n");
  // 5 request counters and 3 of the 8 histogram series; go_goroutines is not admitted, nor the
  // agent's own name; the rest is over the cap.
  ASSERT_EQ(read.samples.size(), 8u);
  EXPECT_EQ(read.samples[0].metric->name, "http_requests_total");
  EXPECT_EQ(read.samples[0].metric->labels, "*");
  EXPECT_EQ(labelsOf(read.samples[0]), "code=200,handler=/api/orders,method=GET,target=app,");
  EXPECT_EQ(read.dropped, 5u + 2u + 1u);
  EXPECT_EQ(read.bad_lines, 1u);
  EXPECT_EQ(read.first_error, "line 27: the value is not a number");

  c.max_series = 100;
  ScrapeReader all(c);
  read = all.read("jobs_queue_depth{queue=\"x\",target=\"theirs\"} 3\nnovacron_load1 9\n");
  ASSERT_EQ(read.samples.size(), 1u);
  EXPECT_EQ(labelsOf(read.samples[0]), "queue=x,exported_target=theirs,target=app,");
  EXPECT_TRUE(scrapeAdmits({c}, "http_requests_total"));
  EXPECT_FALSE(scrapeAdmits({c}, "go_goroutines"));
  EXPECT_FALSE(scrapeAdmits({target("any", "")}, "novacron_load1"));
  EXPECT_TRUE(scrapeAdmits({target("any", "")}, "go_goroutines"));
}

// A target that admits every name (the default) serving the host's own metrics under their short
// names, as a local user who runs or squats its port would: none of it reaches the store, each is
// counted and the first is named, and a condition's short name stays the host's.
TEST(ScrapeReaderTest, ATargetCannotServeTheHostsMetrics) {
  ScrapeConfig c = target("app", "");
  ScrapeReader reader(c);
  auto read = reader.read(
      "disk_used_ratio{mount=\"/\"} 0.99\n"
      "cpu_usage_ratio 1\n"
      "pg_connections_used_ratio{instance=\"main\"} 0\n"
      "app_jobs_failed_total 3\n");
  ASSERT_EQ(read.samples.size(), 1u);
  EXPECT_EQ(read.samples[0].metric->name, "app_jobs_failed_total");
  EXPECT_EQ(read.dropped, 3u);
  EXPECT_EQ(read.hosts_names, 3u);
  EXPECT_EQ(read.hosts_name, "disk_used_ratio");
  EXPECT_TRUE(isHostMetricName("disk_used_ratio"));
  EXPECT_TRUE(isHostMetricName("novacron_disk_used_ratio"));
  EXPECT_FALSE(isHostMetricName("http_requests_total"));
  EXPECT_FALSE(scrapeAdmits({c}, "disk_used_ratio"));
  EXPECT_FALSE(scrapeAdmits({c}, "cpu_usage_ratio"));
  EXPECT_TRUE(scrapeAdmits({c}, "app_jobs_failed_total"));
}

// Runs a ScrapeSet on a loop thread until `n` scrapes have been sunk (bounded).
struct Harness {
  testing::IoThread io;
  testing::FakeClock clock{testing::at()};
  std::vector<std::vector<metrics::Sample>> sunk;
  std::unique_ptr<ScrapeSet> set;

  explicit Harness(std::vector<ScrapeConfig> targets) {
    io.run([&] {
      set = std::make_unique<ScrapeSet>(
          io.io(), clock,
          [this](TimePoint, std::vector<metrics::Sample> s) { sunk.push_back(std::move(s)); });
      set->configure(targets);
      return 0;
    });
  }
  ~Harness() {
    io.run([&] {
      set.reset();
      return 0;
    });
  }
  std::vector<ScrapeHealth> wait(size_t scrapes) {
    for (int i = 0; i < 3000 && io.run([&] { return sunk.size(); }) < scrapes; ++i)
      std::this_thread::sleep_for(10ms);
    return io.run([&] { return set->health(); });
  }
  std::vector<SourceStatus> rows() {
    return io.run([&] {
      std::vector<SourceStatus> r;
      set->status(r);
      return r;
    });
  }
};

TEST(ScrapeSetTest, AGzippedExpositionReachesTheStoreWithTheScrapesOwnMetrics) {
  HttpRecorder app;
  app.setHeaders({"Content-Encoding: gzip", "Content-Type: text/plain; version=0.0.4"});
  app.answer(200, gzip(fixture("app_t1.prom")));
  Harness h({target("app", app.url("/metrics"))});
  auto health = h.wait(1);
  ASSERT_EQ(health.size(), 1u);
  EXPECT_TRUE(health[0].up) << health[0].last_error;
  EXPECT_EQ(health[0].series, 16u);
  auto sunk = h.io.run([&] { return h.sunk.front(); });
  ASSERT_EQ(sunk.size(), 16u + 5u);
  EXPECT_EQ(sunk.back().metric->name, "novacron_scrape_bad_lines");
  auto req = app.requests().front();
  EXPECT_EQ(req.headers["accept-encoding"], "gzip");
  EXPECT_NE(req.headers["accept"].find("text/plain;version=0.0.4"), std::string::npos);
  auto rows = h.rows();
  EXPECT_EQ(rows[0].status, "ok");
  EXPECT_EQ(rows[0].detail, "16 series from " + app.url("/metrics"));
}

TEST(ScrapeSetTest, SeriesReachMetricsOnlyWhenATargetExposesThem) {
  HttpRecorder app;
  app.answer(200, fixture("app_t1.prom"));
  auto hidden = target("hidden", app.url("/metrics"));
  auto shown = target("shown", app.url("/metrics"));
  shown.expose = true;
  Harness h({hidden, shown});
  auto servedNow = [&] {
    return h.io.run([&] {
      Batches b;
      h.set->latest(b);
      std::map<std::string, size_t> per_target;
      for (const auto* batch : b.list) {
        for (const auto& smp : *batch) {
          if (smp.metric->name.starts_with("novacron_")) continue;
          for (const auto& l : smp.labels)
            if (l.name == "target") ++per_target[l.value];
        }
      }
      return per_target;
    });
  };
  // Both scraped at least once (bounded generously), then what /metrics would serve.
  for (int i = 0; i < 3000; ++i) {
    auto hs = h.wait(1);
    if (hs.size() == 2 && hs[0].runs > 0 && hs[1].runs > 0) break;
    std::this_thread::sleep_for(10ms);
  }
  auto served = servedNow();
  EXPECT_EQ(served["shown"], 16u);
  EXPECT_EQ(served.count("hidden"), 0u);
}

TEST(ScrapeSetTest, HostileTargetsAreBoundedAndReported) {
  HttpRecorder hang, huge, bomb, garbage, broken;
  hang.setMode(HttpRecorder::Mode::kHang);
  huge.answer(200, std::string(3 << 20, 'x'));
  bomb.setHeaders({"Content-Encoding: gzip"});
  bomb.answer(200, gzip(std::string(64 << 20, '\n')));
  garbage.answer(200, std::string("\xff\xfe{{{\n", 6) + "ok 1\n" + std::string(100, '\0'));
  broken.answer(500, "no");
  std::vector<ScrapeConfig> targets = {target("hang", hang.url()), target("huge", huge.url()),
                                       target("bomb", bomb.url()), target("garbage", garbage.url()),
                                       target("broken", broken.url())};
  for (auto& t : targets) t.max_bytes = 1 << 20;
  Harness h(targets);
  auto health = h.wait(5);
  ASSERT_EQ(health.size(), 5u);
  std::map<std::string, ScrapeHealth> by;
  for (const auto& x : health) by[x.name] = x;
  EXPECT_FALSE(by["hang"].up);
  EXPECT_FALSE(by["huge"].up);
  EXPECT_FALSE(by["bomb"].up);
  EXPECT_NE(by["bomb"].last_error.find("inflates to more than 1048576 bytes"), std::string::npos)
      << by["bomb"].last_error;
  EXPECT_TRUE(by["garbage"].up);
  EXPECT_EQ(by["garbage"].series, 1u);
  EXPECT_EQ(by["garbage"].bad_lines, 2u) << by["garbage"].last_error;
  EXPECT_FALSE(by["broken"].up);
  EXPECT_EQ(by["broken"].last_error, "HTTP 500");
  std::map<std::string, std::string> status;
  for (const auto& r : h.rows()) status[r.name] = r.status;
  EXPECT_EQ(status["hang"], "down");
  EXPECT_EQ(status["garbage"], "degraded");
  for (const auto& [name, x] : by) {
    for (char c : x.last_error) EXPECT_TRUE(c >= 0x20 || c < 0) << name << ": " << x.last_error;
  }
}

}  // namespace
}  // namespace novacron::collectors
