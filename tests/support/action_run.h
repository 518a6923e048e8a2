#pragma once

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <future>

#include "actions/action.h"
#include "tests/support/io_thread.h"

namespace novacron::testing {

/// Runs one action the way the incident manager does: on a loop thread, with a worker pool and
/// an empty metric store, and waits (bounded) for its outcome.
class ActionRunner {
 public:
  actions::ActionSettings settings;
  metrics::MetricStore metrics;

  actions::ActionOutcome run(const std::string& type, nlohmann::json with,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    actions::ActionRequest req;
    req.spec.id = "act";
    req.spec.type = type;
    req.spec.with = std::move(with);
    req.spec.timeout = timeout;
    req.incident_id = "node-1-20260101T000000Z-1";
    req.run_id = ++runs_;
    req.values = {{"incident.id", req.incident_id},
                  {"incident.playbook", "disk_full"},
                  {"incident.severity", "2"},
                  {"incident.category", "infrastructure"},
                  {"incident.description", "Root filesystem almost full"},
                  {"incident.state", "mitigating"},
                  {"incident.opened_at", "2026-01-01T00:00:00Z"},
                  {"incident.resolved_at", "-"},
                  {"incident.duration", "5m"},
                  {"incident.actions", "none"},
                  {"incident.reason", "test"},
                  {"node.id", "node-1"},
                  {"node.labels", "region=eu-west"},
                  {"labels.mount", "/"}};
    for (const auto& [k, v] : values) req.values[k] = v;
    req.on_started = [this](pid_t pid) { pids.push_back(pid); };
    std::promise<actions::ActionOutcome> p;
    auto f = p.get_future();
    actions::ActionEnv env{io_.io(), pool_, metrics, settings};
    boost::asio::post(io_.io(), [&] {
      actions::runAction(env, std::move(req),
                         [&](actions::ActionOutcome o) { p.set_value(std::move(o)); });
    });
    EXPECT_EQ(f.wait_for(timeout + std::chrono::seconds(20)), std::future_status::ready);
    return f.get();
  }

  std::vector<pid_t> pids;
  /// Placeholder values added to (or replacing) the defaults, as an incident's labels would.
  std::map<std::string, std::string> values;

 private:
  IoThread io_;
  boost::asio::thread_pool pool_{1};
  int64_t runs_ = 0;
};

}  // namespace novacron::testing
