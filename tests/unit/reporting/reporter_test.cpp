#include "reporting/reporter.h"

#include "base/text.h"
#include "reporting/delivery_loop.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

#include "reporting/delivery_loop.h"
#include "tests/support/fixture.h"
#include "tests/support/http_recorder.h"
#include "tests/support/io_thread.h"
#include "tests/support/store.h"

namespace novacron::reporting {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::HttpRecorder;

// A store with one incident and `n` events on it, a recording coordinator, and a reporter on
// its own loop.
class ReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.load("empty");
    store_ = testing::openStore(root_);
    ASSERT_TRUE(store_);
    ASSERT_TRUE(
        store_->createIncident(testing::openIncident("node-1-20261126T000000Z-1", clock_.now())));
    token_ = root_.path() / "token";
    testing::writeSecret(token_, "t0ken\n");
  }
  void TearDown() override {
    if (reporter_) io_.run([&] { reporter_.reset(); });
  }

  void append(int n) {
    io_.run([&] {
      for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(store_->appendEvent("node-1-20261126T000000Z-1", clock_.now(), "note",
                                        json{{"i", i}}.dump()));
      }
    });
  }

  ReporterOptions options(const std::string& url) {
    ReporterOptions o;
    if (!url.empty()) o.urls = {url};
    o.token_file = token_;
    o.timeout = 500ms;
    o.batch_size = 500;
    o.backoff_initial = 20ms;
    o.backoff_max = 100ms;
    o.node_id = "node-1";
    o.store_id = "s1";
    return o;
  }

  void start(ReporterOptions o) {
    io_.run([&] {
      reporter_ = std::make_unique<Reporter>(io_.io(), *store_, clock_, o);
      store_->onAppend([this] { reporter_->wake(); });
      reporter_->start();
    });
  }

  ReporterStats stats() {
    return io_.run([&] { return reporter_->stats(); });
  }
  int64_t depth() {
    return io_.run([&] { return store_->outboxStats()->depth; });
  }

  // Waits up to 10 s for `done`.
  template <class F>
  bool waitFor(F done) {
    for (int i = 0; i < 1000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // The seqs of one request's events, in the order sent.
  static std::vector<int64_t> seqs(const HttpRecorder::Request& r) {
    std::vector<int64_t> out;
    json body = json::parse(r.body);
    for (const auto& e : body["events"]) out.push_back(e["seq"].get<int64_t>());
    return out;
  }

  testing::ScratchRoot root_;
  MonotonicWallClock clock_;
  std::unique_ptr<incidents::Store> store_;
  std::filesystem::path token_;
  testing::IoThread io_;
  std::unique_ptr<Reporter> reporter_;
};

TEST_F(ReporterTest, DeliversEveryEventInOrderInBatchesWithIdempotencyKeys) {
  HttpRecorder coordinator;
  append(1200);
  start(options(coordinator.url("/v1/events")));
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  auto requests = coordinator.requests();
  ASSERT_EQ(requests.size(), 3u);
  int64_t next = 1;
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/v1/events");
    EXPECT_EQ(r.headers.at("authorization"), "Bearer t0ken");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    json body = json::parse(r.body);
    EXPECT_EQ(body["node"], "node-1");
    auto s = seqs(r);
    EXPECT_EQ(r.headers.at("idempotency-key"),
              "node-1:s1:" + std::to_string(s.front()) + "-" + std::to_string(s.back()));
    for (const auto& e : body["events"]) {
      EXPECT_EQ(e["seq"], next);
      EXPECT_EQ(e["key"], "node-1:s1:" + std::to_string(next));
      EXPECT_EQ(e["incident"], "node-1-20261126T000000Z-1");
      EXPECT_EQ(e["kind"], "note");
      EXPECT_EQ(e["data"]["i"], next - 1);
      ++next;
    }
  }
  EXPECT_EQ(next, 1201);
  EXPECT_EQ(stats().delivered, 1200u);
  EXPECT_EQ(stats().failures, 0u);
  EXPECT_TRUE(stats().last_success.has_value());

  // A later event goes out on its own, without waiting for a poll.
  append(1);
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  EXPECT_EQ(seqs(coordinator.requests().back()), std::vector<int64_t>{1201});
}

TEST_F(ReporterTest, RetriesWithBackoffWhileTheCoordinatorFailsAndLosesNothing) {
  HttpRecorder coordinator;
  coordinator.answer(503, "busy");
  append(50);
  start(options(coordinator.url()));
  ASSERT_TRUE(waitFor([&] { return stats().failures >= 3; }));
  EXPECT_EQ(depth(), 50);
  EXPECT_NE(stats().last_error.find("HTTP 503: busy"), std::string::npos);
  std::string detail;
  EXPECT_EQ(io_.run([&] { return reporter_->status(detail); }), "degraded");

  // Hangs and dropped connections are failures too, each within the timeout.
  coordinator.setMode(HttpRecorder::Mode::kHang);
  auto before = stats().failures;
  ASSERT_TRUE(waitFor([&] { return stats().failures >= before + 1; }));
  coordinator.setMode(HttpRecorder::Mode::kDrop);
  before = stats().failures;
  ASSERT_TRUE(waitFor([&] { return stats().failures >= before + 1; }));
  EXPECT_EQ(depth(), 50);

  coordinator.answer(200);
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  // Every attempt carried the same first events; the accepted one carried all fifty in order.
  auto last = coordinator.requests().back();
  std::vector<int64_t> want(50);
  for (int i = 0; i < 50; ++i) want[i] = i + 1;
  EXPECT_EQ(seqs(last), want);
  EXPECT_EQ(io_.run([&] { return reporter_->status(detail); }), "ok");
  EXPECT_EQ(stats().parked, 0u);
}

TEST_F(ReporterTest, ParksOnlyTheEventTheCoordinatorRefuses) {
  HttpRecorder coordinator;
  coordinator.respond([](const HttpRecorder::Request& r) -> std::pair<int, std::string> {
    json body = json::parse(r.body);
    for (const auto& e : body["events"]) {
      if (e["seq"] == 7) return {422, "event 7 is malformed"};
    }
    return {200, "ok"};
  });
  append(10);
  start(options(coordinator.url()));
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  EXPECT_EQ(stats().parked, 1u);
  EXPECT_EQ(stats().delivered, 9u);
  // One refused batch, then one event at a time until past it.
  auto requests = coordinator.requests();
  ASSERT_EQ(requests.size(), 11u);
  EXPECT_EQ(seqs(requests[0]).size(), 10u);
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(seqs(requests[i]), std::vector<int64_t>{i});
  EXPECT_EQ(coordinator.requests().size(), 11u);
}

TEST_F(ReporterTest, RefusedCredentialsAreRetriedNotParked) {
  HttpRecorder coordinator;
  coordinator.answer(401, "bad token");
  append(5);
  start(options(coordinator.url()));
  ASSERT_TRUE(waitFor([&] { return stats().failures >= 3; }));
  EXPECT_EQ(stats().parked, 0u);
  EXPECT_EQ(depth(), 5);
}

TEST_F(ReporterTest, ACoordinatorThatSaysRetryAfterIsNotAskedSooner) {
  HttpRecorder coordinator;
  coordinator.answer(429, "slow down");
  coordinator.setHeaders({"Retry-After: 1"});
  append(3);
  ReporterOptions o = options(coordinator.url());
  o.backoff_max = 5s;
  start(o);
  ASSERT_TRUE(waitFor([&] { return stats().failures >= 1; }));
  auto first = std::chrono::steady_clock::now();
  coordinator.answer(200);
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  // The backoff alone would have retried after 10-20 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - first, 900ms);
  EXPECT_EQ(coordinator.requests().size(), 2u);
}

TEST_F(ReporterTest, AFullOutboxDropsItsOldestAndSaysSo) {
  append(150);
  ReporterOptions o = options("http://127.0.0.1:" + std::to_string(testing::freePort()) + "/");
  o.max_events = 100;
  start(o);
  ASSERT_TRUE(waitFor([&] { return stats().dropped > 0; }));
  EXPECT_EQ(stats().dropped, 51u);
  EXPECT_EQ(depth(), 100);
  auto timeline = io_.run([&] { return *store_->timeline("node-1-20261126T000000Z-1"); });
  ASSERT_EQ(timeline.back().kind, "outbox_dropped");
  json d = json::parse(timeline.back().data);
  EXPECT_EQ(d["count"], 51);
  EXPECT_EQ(d["first_seq"], 1);
  EXPECT_EQ(d["last_seq"], 51);
  // The timeline keeps every event; only the outbox let go.
  EXPECT_EQ(timeline.size(), 151u);
}

TEST_F(ReporterTest, WithoutAUrlNothingIsSentAndTheRowSaysDisabled) {
  append(3);
  start(options(""));
  std::string detail;
  EXPECT_EQ(io_.run([&] { return reporter_->status(detail); }), "disabled");
  EXPECT_EQ(detail, "coordinator.urls is not set; 3 queued in the store");
  auto samples = io_.run([&] { return reporter_->latest(); });
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples[0].metric->name, "novacron_outbox_depth");
  EXPECT_EQ(samples[0].value, 3);
}

TEST_F(ReporterTest, TheBodyFollowsTheContractAndCarriesTheIncidentsRecords) {
  HttpRecorder coordinator;
  append(3);
  start(options(coordinator.url("/v1/events")));
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  json body = json::parse(coordinator.requests().at(0).body);
  EXPECT_EQ(body["schema_version"], "1.0");
  EXPECT_EQ(body["store"], "s1");
  EXPECT_EQ(body["agent"]["outbox_depth"], 3);
  EXPECT_TRUE(body["agent"].contains("policy_digest"));
  ASSERT_EQ(body["events"].size(), 3u) << body.dump();
  ASSERT_EQ(body["incidents"].size(), 1u);
  const json& inc = body["incidents"]["node-1-20261126T000000Z-1"];
  EXPECT_EQ(inc["playbook"], "disk_full");
  EXPECT_EQ(inc["state"], "open");
  EXPECT_EQ(inc["category"], "infrastructure");
}

TEST_F(ReporterTest, AfterAFailureTheNextCoordinatorIsTried) {
  HttpRecorder down, up;
  down.answer(503, "maintenance");
  append(4);
  ReporterOptions o = options(down.url("/v1/events"));
  o.urls.push_back(up.url("/v1/events"));
  start(o);
  ASSERT_TRUE(waitFor([&] { return depth() == 0; }));
  EXPECT_EQ(down.requests().size(), 1u);
  ASSERT_EQ(up.requests().size(), 1u);
  EXPECT_EQ(seqs(up.requests()[0]), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(stats().failures, 1u);
}

TEST_F(ReporterTest, AnIdleAgentSendsAHeartbeat) {
  HttpRecorder coordinator;
  ReporterOptions o = options(coordinator.url("/v1/events"));
  o.heartbeat = 200ms;
  start(o);
  ASSERT_TRUE(waitFor([&] { return coordinator.requests().size() >= 2; }));
  for (const auto& r : coordinator.requests()) {
    json body = json::parse(r.body);
    EXPECT_TRUE(body["events"].empty());
    EXPECT_EQ(body["agent"]["outbox_depth"], 0);
    EXPECT_EQ(r.headers.at("idempotency-key"), "node-1:s1:0-0");
  }
  EXPECT_EQ(stats().delivered, 0u);
  EXPECT_TRUE(stats().last_success.has_value());
}

TEST_F(ReporterTest, AnUnknownSchemaVersionIsRetriedNotParkedAndShown) {
  HttpRecorder coordinator;
  coordinator.answer(
      400,
      R"({"error":"schema_version","message":"schema_version 1.0: this coordinator knows 2.x"})");
  append(3);
  start(options(coordinator.url()));
  ASSERT_TRUE(waitFor([&] { return stats().failures >= 3; }));
  EXPECT_EQ(stats().parked, 0u);
  EXPECT_EQ(depth(), 3);
  std::string detail;
  EXPECT_EQ(io_.run([&] { return reporter_->status(detail); }), "degraded");
  EXPECT_NE(detail.find("refuses this agent's push format 1.0"), std::string::npos) << detail;
  EXPECT_NE(detail.find("knows 2.x"), std::string::npos) << detail;
}

TEST(DescribeResponseTest, APeersBodyIsQuotedAsValidTextOnOneLine) {
  // A coordinator answering bytes that are not text made novacron status and /v1/status fail.
  io::HttpClientResponse r;
  r.status = 500;
  r.body = "\xff\r\nX-Forged: 1";
  std::string d = describeResponse(r);
  EXPECT_EQ(d, "HTTP 500: \xef\xbf\xbd\\r\\nX-Forged: 1");
  EXPECT_TRUE(isValidUtf8(d));
}

TEST(BackoffTest, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  EXPECT_EQ(backoffDelay(1, 1000ms, 60000ms, 0.0), 500ms);
  EXPECT_EQ(backoffDelay(1, 1000ms, 60000ms, 0.999), 999ms);
  EXPECT_EQ(backoffDelay(3, 1000ms, 60000ms, 0.0), 2000ms);
  EXPECT_EQ(backoffDelay(40, 1000ms, 60000ms, 0.5), 45000ms);
}

}  // namespace
}  // namespace novacron::reporting
