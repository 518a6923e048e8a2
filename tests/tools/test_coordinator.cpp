// The coordinator of the integration tests: receives the agent's event batches on one port and
// takes orders on another. Events are deduplicated by their idempotency key, as a real
// coordinator must; the stats say how many arrived, how many were duplicates and whether the new
// ones came in order. Usage: test_coordinator TOKEN [BODIES]; prints "EVENTS_PORT CONTROL_PORT".
// With BODIES, every batch body taken is appended to that file, one a line (the contract tests
// validate them against contract/push.schema.json).
//   GET /mode/ok | /mode/slow | /mode/flaky | /mode/500 | /mode/hang | /mode/drop   on the
//   control port (flaky: every other request is answered 500 before it is read)
//   GET /stats                                           {"requests", "events", "duplicates", ...}
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/http_recorder.h"

using json = nlohmann::json;
using novacron::testing::HttpRecorder;

namespace {
std::mutex mu;
std::set<std::string> keys;
std::vector<int64_t> accepted;  // seqs first accepted, in arrival order
int64_t duplicates = 0, out_of_order = 0, requests = 0, refused_auth = 0, batches = 0;
volatile std::sig_atomic_t stop = 0;
std::atomic<bool> slow{false};   // accept, then answer only after half a second
std::atomic<bool> flaky{false};  // every other request fails
int64_t failed = 0;
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: test_coordinator TOKEN [BODIES]\n");
    return 2;
  }
  std::FILE* bodies = argc == 3 ? std::fopen(argv[2], "a") : nullptr;
  std::string want = std::string("Bearer ") + argv[1];
  std::signal(SIGTERM, [](int) { stop = 1; });
  std::signal(SIGINT, [](int) { stop = 1; });
  HttpRecorder events, control;
  HttpRecorder::Responder receive =
      [&](const HttpRecorder::Request& r) -> std::pair<int, std::string> {
    std::unique_lock lock(mu);
    ++requests;
    if (flaky && requests % 2 == 0) {
      ++failed;
      return {500, "coordinator failing half its requests"};
    }
    auto auth = r.headers.find("authorization");
    if (auth == r.headers.end() || auth->second != want) {
      ++refused_auth;
      return {401, "bad token"};
    }
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.contains("events")) return {400, "not a batch"};
    ++batches;
    if (bodies) {
      std::fprintf(bodies, "%s\n", body.dump().c_str());
      std::fflush(bodies);
    }
    for (const auto& e : body["events"]) {
      if (!keys.insert(e["key"].get<std::string>()).second) {
        ++duplicates;
        continue;
      }
      int64_t seq = e["seq"].get<int64_t>();
      if (!accepted.empty() && seq < accepted.back()) ++out_of_order;
      accepted.push_back(seq);
    }
    lock.unlock();
    if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return {200, "{\"ok\":true}"};
  };
  events.respond(receive);
  control.respond([&](const HttpRecorder::Request& r) -> std::pair<int, std::string> {
    if (r.target.starts_with("/mode/")) {
      std::string m = r.target.substr(6);
      slow = m == "slow";
      flaky = m == "flaky";
      if (m == "ok" || m == "slow" || m == "flaky")
        events.respond(receive);
      else if (m == "500")
        events.answer(500, "coordinator failing");
      else if (m == "hang")
        events.setMode(HttpRecorder::Mode::kHang);
      else if (m == "drop")
        events.setMode(HttpRecorder::Mode::kDrop);
      else
        return {400, "unknown mode"};
      return {200, "ok"};
    }
    if (r.target == "/stats") {
      std::lock_guard lock(mu);
      int64_t min = accepted.empty() ? 0 : *std::min_element(accepted.begin(), accepted.end());
      int64_t max = accepted.empty() ? 0 : *std::max_element(accepted.begin(), accepted.end());
      return {200, json{{"requests", requests},
                        {"batches", batches},
                        {"events", accepted.size()},
                        {"duplicates", duplicates},
                        {"out_of_order", out_of_order},
                        {"refused_auth", refused_auth},
                        {"failed", failed},
                        {"min_seq", min},
                        {"max_seq", max}}
                       .dump()};
    }
    return {404, "no"};
  });
  std::printf("%u %u\n", events.port(), control.port());
  std::fflush(stdout);
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}
