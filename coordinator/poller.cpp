#include "coordinator/poller.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cmath>

#include "base/clock.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/secret.h"
#include "io/http_client.h"
#include "novacron/version.h"

namespace novacron::coordinator {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int kPage = 1000;  // the most /v1/incidents gives at once

// The feed's events (`at` in Unix seconds) and the agent's status as the push body they amount
// to: checked by the same decoder as a push.
std::string asPushBody(const std::string& node, const json& status, const json& feed) {
  json events = json::array();
  const std::string store = status.value("store_id", std::string());
  for (const auto& e : feed["events"]) {
    json at = e.value("at", json());
    if (!at.is_number()) return "{}";
    int64_t ms = std::llround(at.get<double>() * 1000.0);
    std::string seq = e["seq"].is_number_integer() ? std::to_string(e["seq"].get<int64_t>()) : "0";
    events.push_back({{"key", node + ":" + store + ":" + seq},
                      {"seq", e["seq"]},
                      {"incident", e["incident"]},
                      {"at", formatTimestamp(TimePoint(std::chrono::milliseconds(ms)))},
                      {"kind", e["kind"]},
                      {"data", e["data"]}});
  }
  const json& outbox =
      status.contains("outbox") && status["outbox"].is_object() ? status["outbox"] : json::object();
  const json& policy =
      status.contains("policy") && status["policy"].is_object() ? status["policy"] : json::object();
  json body = {{"schema_version", "1.0"},
               {"node", node},
               {"store", store},
               {"labels", status.value("labels", json::object())},
               {"agent_version", status.value("version", std::string("?"))},
               {"agent",
                {{"outbox_depth", outbox.value("depth", 0)},
                 {"policy_digest", status.value("policy_digest", std::string())},
                 {"paused", status.value("paused", false)},
                 {"playbooks", policy.value("playbooks_enabled", 0)}}},
               {"events", events},
               {"incidents", feed.value("incidents", json::object())}};
  return jsonText(body);
}

}  // namespace

struct Poller::Poll {
  Database::Claimed claimed;
  const PollTarget* target = nullptr;
  std::string token, store;
  json status;
};

Poller::Poller(asio::io_context& io, Database& db, const Config& config,
               CoordinatorMetrics& metrics)
    : io_(io),
      db_(db),
      config_(config),
      metrics_(metrics),
      timer_(std::make_unique<asio::steady_timer>(io)) {}

Poller::~Poller() { *alive_ = false; }

void Poller::start() {
  if (config_.poll_targets.empty()) return;
  for (const auto& t : config_.poll_targets) nodes_.push_back(t.node);
  tick();
}

void Poller::stop() { timer_->cancel(); }

const PollTarget* Poller::target(const std::string& node) const {
  for (const auto& t : config_.poll_targets) {
    if (t.node == node) return &t;
  }
  return nullptr;
}

void Poller::tick() {
  auto again = [this] {
    timer_->expires_after(std::min<milliseconds>(1s, config_.poll_interval / 2));
    timer_->async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  };
  if (!registered_) {
    std::vector<std::pair<std::string, std::string>> targets;
    for (const auto& t : config_.poll_targets) targets.emplace_back(t.node, t.url);
    db_.registerPollTargets(targets, [this, alive = alive_](Result<void> r) {
      if (!*alive) return;
      if (!r)
        logWarning("polling: cannot register the pollable nodes: " + r.error().message);
      else
        registered_ = true;
    });
    return again();
  }
  claim();
  again();
}

void Poller::claim() {
  if (claiming_ || in_flight_ >= config_.poll_concurrency) return;
  claiming_ = true;
  int limit = static_cast<int>(config_.poll_concurrency - in_flight_);
  db_.claimPolls(config_.id, config_.poll_lease, limit, nodes_,
                 [this, limit, alive = alive_](Result<std::vector<Database::Claimed>> r) {
                   if (!*alive) return;
                   claiming_ = false;
                   if (!r) {
                     logWarning("polling: cannot claim nodes: " + r.error().message);
                     return;
                   }
                   // A full claim: more may be due; the next poll to end claims again.
                   backlog_ = static_cast<int>(r->size()) == limit;
                   for (auto& c : *r) run(std::move(c));
                 });
}

void Poller::run(Database::Claimed claimed) {
  auto p = std::make_shared<Poll>();
  p->claimed = std::move(claimed);
  p->target = target(p->claimed.node);
  ++in_flight_;
  if (!p->target) return finish(p, false, 0, false, "not in this coordinator's poll.nodes");
  auto token = readSecret(p->target->token_file);
  if (!token) return finish(p, false, 0, false, token.error().message);
  p->token = *token;
  auto get = [this, p](const std::string& path, std::function<void(json)> next) {
    io::HttpClientRequest req;
    req.url = p->target->url + path;
    req.timeout = config_.poll_timeout;
    req.max_response = 64 << 20;
    req.ca_file = p->target->ca_file;
    req.headers = {{"Authorization", "Bearer " + p->token},
                   {"User-Agent", std::string("novacron-coordinator/") + kVersion}};
    io::httpRequest(
        io_, std::move(req),
        [this, p, path, next = std::move(next), alive = alive_](io::HttpClientResponse r) {
          if (!*alive) return;
          if (r.status != 200) {
            return finish(
                p, false, 0, false,
                "GET " + path + ": " + (r.status ? "HTTP " + std::to_string(r.status) : r.error));
          }
          json j = json::parse(r.body, nullptr, false);
          if (!j.is_object())
            return finish(p, false, 0, false, "GET " + path + ": not a JSON object");
          next(std::move(j));
        });
  };
  get("/v1/status", [this, p, get](json status) {
    if (status.value("node_id", std::string()) != p->claimed.node) {
      return finish(p, false, 0, false,
                    "the agent at " + p->target->url + " is node " +
                        status.value("node_id", std::string("?")) + ", not " + p->claimed.node);
    }
    p->store = status.value("store_id", std::string());
    p->status = std::move(status);
    // A new store starts its sequence again: so does the cursor.
    int64_t after = p->store == p->claimed.store_id ? p->claimed.after : 0;
    get("/v1/incidents?after=" + std::to_string(after) + "&limit=" + std::to_string(kPage),
        [this, p, after](json feed) {
          auto decoded = decodePush(asPushBody(p->claimed.node, p->status, feed));
          if (auto* e = std::get_if<PushError>(&decoded))
            return finish(p, false, 0, false, "the feed is not valid: " + e->message);
          auto batch = std::get<PushBatch>(std::move(decoded));
          int64_t next = feed.value("next", after);
          bool more = batch.events.size() >= static_cast<size_t>(kPage);
          db_.ingest(std::move(batch), Via::kPoll, "",
                     [this, p, next, more, alive = alive_](Result<IngestResult> r) {
                       if (!*alive) return;
                       if (!r) return finish(p, false, 0, false, r.error().message);
                       metrics_.polled(true, r->inserted, r->duplicates, r->gaps);
                       finish(p, true, next, more, "");
                     });
        });
  });
}

void Poller::finish(const std::shared_ptr<Poll>& p, bool ok, int64_t cursor, bool more,
                    const std::string& error) {
  --in_flight_;
  if (backlog_) claim();
  if (!ok) {
    metrics_.polled(false, 0, 0, 0);
    logWarning("polling " + p->claimed.node + ": " + error);
  }
  // Next: at once while the feed has more; after the interval ±10 %; after a failure, the
  // interval doubled per failure in a row, up to 5 minutes, with the same jitter.
  double base = std::chrono::duration<double, std::milli>(config_.poll_interval).count();
  if (!ok) base = std::min(base * std::pow(2.0, std::min(p->claimed.failures + 1, 16)), 300000.0);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  milliseconds next_in = more && ok ? 0ms : milliseconds(static_cast<int64_t>(base * jitter(rng_)));
  db_.finishPoll(
      p->claimed.node, config_.id, ok, cursor, p->store, next_in, error,
      [node = p->claimed.node](Result<void> r) {
        if (!r) logWarning("polling " + node + ": cannot record the poll: " + r.error().message);
      });
}

}  // namespace novacron::coordinator
