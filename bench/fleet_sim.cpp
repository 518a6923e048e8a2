// fleet_sim: N simulated agents speaking the real push protocol to a coordinator, each on its
// own keep-alive connection, with bodies shaped like a real agent's (contract/push.schema.json).
// Phases, one after the other:
//   steady    every agent pushes one event a minute (at its own phase), SECONDS long;
//   storm     STORM_SHARE of the agents each open an incident within 60 s: a batch of 5-10 events;
//   throughput BULK connections send batches of BATCH events back to back for SECONDS.
// Prints one JSON line per phase: events sent, pushes, push latency p50/p99/max (ms), events/s,
// errors. Tokens: `fleet_sim --tokens N` prints "node,sha256hex" lines for the bench script to
// load (node sim-I's token is derived from I, so nothing secret is involved).
// Usage: fleet_sim --tokens N
//        fleet_sim --serve-feeds PORT AGENTS EVENTS
//        fleet_sim HOST PORT AGENTS SECONDS STORM_SHARE BULK BATCH
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "io/http_server.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::string token(int i) { return "ncn_" + novacron::sha256Hex("fleet_sim:" + std::to_string(i)); }
std::string node(int i) { return "sim-" + std::to_string(i); }
std::string store(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016x", 0x5100000 + i);
  return buf;
}

std::string isoNow(int64_t offset_ms) {
  auto now = std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
  return buf;
}

// What real agents write most (kinds and data sizes from integration runs).
const char* kKinds[] = {
    "opened",         "diagnostics",   "flight_recorder", "notification", "approval_requested",
    "action_started", "action_result", "resolved"};
std::string data(const std::string& kind, int i) {
  if (kind == "opened")
    return R"({"by":null,"category":"infrastructure","dry_run":false,"labels":{"mount":"/var"},"playbook":"disk_full","reason":"disk_used_ratio{mount=\"/var\"} > 90% held for 5m","severity":2})";
  if (kind == "action_result")
    return R"({"action":"clean_tmp","result":{"containment":"cgroup","cpu_seconds":0.0021,"duration_ms":16,"error":"","exit_code":0,"killed":false,"left_behind":0,"memory_peak_bytes":782336,"oom_kills":0,"signal":0,"started":true,"stderr":"","stderr_bytes":0,"stdout":"removed 14 files","stdout_bytes":16,"timed_out":false},"state":"done"})";
  if (kind == "notification")
    return R"({"delivered":true,"duration_ms":12,"state":"done","status":200,"subject":"[NovaCron] SEV-2 disk_full on host","template":"initial_alert","url":"https://hooks.example.com/novacron"})";
  return R"({"action":"clean_tmp","reason":"step )" + std::to_string(i) + R"(","window":"5m"})";
}

struct Agent {
  int id;
  int64_t seq = 0;
  int incidents = 0;
};

std::string body(Agent& a, int events) {
  std::string n = node(a.id), s = store(a.id);
  std::string inc = n + "-20261207T120000Z-" + std::to_string(++a.incidents);
  std::string out =
      R"({"schema_version":"1.0","node":")" + n + R"(","store":")" + s +
      R"(","labels":{"region":"eu","role":"db"},"agent_version":"0.2.0","agent":{"outbox_depth":)" +
      std::to_string(events) +
      R"(,"policy_digest":"sha256:1a631a7c2dedc8b29373987b64b9932d77759f68463995d44349d458748abfc8","paused":false,"playbooks":11},"events":[)";
  for (int e = 0; e < events; ++e) {
    std::string kind = kKinds[e % 8];
    int64_t seq = ++a.seq;
    if (e) out += ',';
    out += R"({"key":")" + n + ":" + s + ":" + std::to_string(seq) + R"(","seq":)" +
           std::to_string(seq) + R"(,"incident":")" + inc + R"(","at":")" + isoNow(e) +
           R"(","kind":")" + kind + R"(","data":)" + data(kind, e) + "}";
  }
  out +=
      R"(],"incidents":{")" + inc + R"(":{"id":")" + inc +
      R"(","playbook":"disk_full","labels":{"mount":"/var"},"severity":2,"category":"infrastructure","state":"mitigating","dry_run":false,"triggered_by":null,"opened_at":1796650000.1,"acknowledged_at":null,"resolved_at":null}}})";
  return out;
}

struct Stats {
  std::vector<double> latency_ms;
  int64_t events = 0, pushes = 0, errors = 0;
  void print(const char* phase, double seconds) {
    std::sort(latency_ms.begin(), latency_ms.end());
    auto pct = [&](double p) {
      return latency_ms.empty()
                 ? 0.0
                 : latency_ms[std::min(latency_ms.size() - 1, size_t(p * latency_ms.size()))];
    };
    std::printf(
        "{\"phase\":\"%s\",\"seconds\":%.1f,\"pushes\":%lld,\"events\":%lld,\"errors\":%lld,"
        "\"events_per_second\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}\n",
        phase, seconds, (long long)pushes, (long long)events, (long long)errors, events / seconds,
        pct(0.5), pct(0.99), latency_ms.empty() ? 0.0 : latency_ms.back());
    std::fflush(stdout);
  }
};

// One simulated agent's connection: pushes what it is given, one at a time, keep-alive.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(asio::io_context& io, tcp::endpoint ep, std::string host)
      : stream_(io), ep_(ep), host_(std::move(host)) {}
  void push(std::string token, std::string body, int events, Stats& stats,
            std::function<void()> done) {
    req_ = {http::verb::post, "/v1/events", 11};
    req_.set(http::field::host, host_);
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::authorization, "Bearer " + token);
    req_.keep_alive(true);
    req_.body() = std::move(body);
    req_.prepare_payload();
    started_ = Clock::now();
    auto self = shared_from_this();
    // A kept-alive connection the server closed meanwhile is opened again once, as any HTTP
    // client does; only a second failure counts.
    bool reused = open_;
    auto retry = [self, this, events, &stats, done, reused] {
      if (!reused) return fail(stats, done);
      close();
      push(req_[http::field::authorization].substr(7), req_.body(), events, stats, done);
    };
    auto send = [self, this, events, &stats, done, retry] {
      http::async_write(
          stream_, req_, [self, this, events, &stats, done, retry](beast::error_code ec, size_t) {
            if (ec) return retry();
            res_ = {};
            http::async_read(
                stream_, buf_, res_,
                [self, this, events, &stats, done, retry](beast::error_code rec, size_t) {
                  if (rec) return retry();
                  ++stats.pushes;
                  stats.latency_ms.push_back(
                      std::chrono::duration<double, std::milli>(Clock::now() - started_).count());
                  if (res_.result_int() == 200)
                    stats.events += events;
                  else
                    ++stats.errors;
                  done();
                });
          });
    };
    if (open_) return send();
    stream_.async_connect(ep_, [self, this, send, &stats, done](beast::error_code ec) {
      if (ec) return fail(stats, done);
      open_ = true;
      send();
    });
  }

 private:
  void close() {
    open_ = false;
    buf_.clear();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }
  void fail(Stats& stats, const std::function<void()>& done) {
    ++stats.errors;
    close();
    done();
  }
  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  std::string host_;
  bool open_ = false;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buf_;
  Clock::time_point started_;
};

}  // namespace

// `--serve-feeds PORT AGENTS EVENTS`: AGENTS pollable agents behind one port, agent I's /v1 at
// /agent/I/v1/ (node poll-I, EVENTS events on its timeline), for the coordinator's poller.
int serveFeeds(uint16_t port, int agents, int events) {
  asio::io_context io;
  auto answer = [agents, events](const novacron::io::HttpRequest& r) -> novacron::io::HttpResponse {
    int i = -1;
    char what[32] = {};
    if (std::sscanf(r.path.c_str(), "/agent/%d/v1/%31s", &i, what) != 2 || i < 0 || i >= agents)
      return {404, "application/json", R"({"error":"not_found","message":"no such agent"})", {}};
    std::string n = "poll-" + std::to_string(i), st = store(i);
    if (std::string(what) == "status") {
      return {
          200,
          "application/json",
          R"({"node_id":")" + n + R"(","store_id":")" + st +
              R"(","labels":{"fleet":"poll"},"version":"0.2.0","policy_digest":"sha256:1a631a7c2dedc8b29373987b64b9932d77759f68463995d44349d458748abfc8","paused":false,"outbox":{"depth":0},"policy":{"playbooks_enabled":11}})",
          {}};
    }
    long after = 0, limit = 100;
    std::sscanf(r.query.c_str(), "after=%ld&limit=%ld", &after, &limit);
    std::string inc = n + "-20261207T120000Z-1";
    std::string out = R"({"events":[)";
    long last = std::min<long>(events, after + limit);
    for (long seq = after + 1; seq <= last; ++seq) {
      if (seq > after + 1) out += ',';
      out += R"({"seq":)" + std::to_string(seq) + R"(,"incident":")" + inc + R"(","at":)" +
             std::to_string(1796650000 + seq) + R"(.5,"kind":"note","data":{"n":)" +
             std::to_string(seq) + "}}";
    }
    out += R"(],"incidents":{)";
    if (last > after) {
      out +=
          "\"" + inc + R"(":{"id":")" + inc +
          R"(","playbook":"disk_full","labels":{},"severity":3,"category":"infrastructure","state":"open","dry_run":false,"triggered_by":null,"opened_at":1796650000.1,"acknowledged_at":null,"resolved_at":null})";
    }
    out += R"(},"next":)" + std::to_string(std::max(after, last)) + "}";
    return {200, "application/json", out, {}};
  };
  novacron::io::HttpLimits limits;
  limits.max_connections = 4096;
  novacron::io::HttpServer server(io, answer, limits);
  if (auto r = server.listen({"127.0.0.1", port}); !r) {
    std::fprintf(stderr, "fleet_sim: %s\n", r.error().message.c_str());
    return 1;
  }
  io.run();
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--serve-feeds")
    return serveFeeds(static_cast<uint16_t>(std::atoi(argv[2])), std::atoi(argv[3]),
                      std::atoi(argv[4]));
  if (argc == 3 && std::string(argv[1]) == "--tokens") {
    for (int i = 0; i < std::atoi(argv[2]); ++i)
      std::printf("%s,%s\n", node(i).c_str(), novacron::sha256Hex(token(i)).c_str());
    return 0;
  }
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: fleet_sim --tokens N | fleet_sim HOST PORT AGENTS SECONDS STORM_SHARE "
                 "BULK BATCH\n");
    return 64;
  }
  std::string host = argv[1];
  tcp::endpoint ep(asio::ip::make_address(host), static_cast<uint16_t>(std::atoi(argv[2])));
  const int n = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]), storm_share = std::atof(argv[5]);
  const int bulk = std::atoi(argv[6]), batch = std::atoi(argv[7]);
  asio::io_context io;
  std::vector<Agent> agents;
  std::vector<std::shared_ptr<Conn>> conns;
  for (int i = 0; i < n; ++i) {
    agents.push_back({i});
    conns.push_back(std::make_shared<Conn>(io, ep, host));
  }
  std::mt19937 rng(42);
  // Open every connection first (a heartbeat each): the fleet's standing connections.
  {
    Stats s;
    int left = n;
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) conns[i]->push(token(i), body(agents[i], 0), 0, s, [&] { --left; });
    while (left > 0 && io.run_one() > 0) {
    }
    s.print("connect", std::chrono::duration<double>(Clock::now() - t0).count());
  }
  // A phase: each agent's pushes at the times given, on its own connection, queued behind its
  // previous one (an agent never has two in flight, as the real reporter).
  auto phase = [&](const char* name, std::vector<std::vector<std::pair<double, int>>> plan,
                   double length) {
    Stats s;
    auto t0 = Clock::now();
    int outstanding = 0;
    std::vector<size_t> next(n, 0);
    std::vector<bool> busy(n, false);
    asio::steady_timer tick(io);
    std::function<void(int)> kick = [&](int i) {
      if (busy[i] || next[i] >= plan[i].size()) return;
      double due = plan[i][next[i]].first;
      if (std::chrono::duration<double>(Clock::now() - t0).count() < due) return;
      int events = plan[i][next[i]++].second;
      busy[i] = true;
      ++outstanding;
      conns[i]->push(token(i), body(agents[i], events), events, s, [&, i] {
        busy[i] = false;
        --outstanding;
        kick(i);
      });
    };
    std::function<void()> loop = [&] {
      for (int i = 0; i < n; ++i) kick(i);
      if (std::chrono::duration<double>(Clock::now() - t0).count() < length || outstanding > 0) {
        tick.expires_after(std::chrono::milliseconds(5));
        tick.async_wait([&](beast::error_code) { loop(); });
      }
    };
    loop();
    io.restart();
    io.run();
    s.print(name, std::chrono::duration<double>(Clock::now() - t0).count());
  };
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<std::pair<double, int>>> steady(n);
  for (int i = 0; i < n; ++i) {
    for (double t = u(rng) * 60; t < seconds; t += 60) steady[i].push_back({t, 1});
  }
  phase("steady", steady, seconds);
  std::vector<std::vector<std::pair<double, int>>> storm(n);
  std::uniform_int_distribution<int> size(5, 10);
  for (int i = 0; i < n; ++i) {
    if (u(rng) < storm_share) storm[i].push_back({u(rng) * 60, size(rng)});
    for (double t = u(rng) * 60; t < 60; t += 60) storm[i].push_back({t, 1});
    std::sort(storm[i].begin(), storm[i].end());
  }
  phase("storm", storm, 60);
  if (bulk > 0) {
    // BULK agents send BATCH-event batches back to back for SECONDS: the ingest rate.
    Stats s;
    auto t0 = Clock::now();
    int running = std::min(bulk, n);
    std::function<void(int)> again = [&](int i) {
      if (std::chrono::duration<double>(Clock::now() - t0).count() >= seconds) {
        --running;
        return;
      }
      conns[i]->push(token(i), body(agents[i], batch), batch, s, [&, i] { again(i); });
    };
    for (int i = 0; i < running; ++i) again(i);
    io.restart();
    while (running > 0 && io.run_one() > 0) {
    }
    s.print("throughput", std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return 0;
}
