// From the sample that makes a condition true to the first automated action's process started:
// evaluation, the incident recorded durably (incident row, opened event, diagnostics report),
// the action run recorded, then fork and exec. The playbook's `for` is 0 s, so all of it is
// latency beyond `for`. Prints p50, p99 and max over the runs. With --cgroup, each action gets
// its cgroup as the agent gives it (actions/containment.h): the cost of containment. With
// --broker, the action goes through a forked broker as it does when root starts the agent
// (the request, the broker's check against its own policy, its cgroup, then fork and exec; the
// time ends when the broker's run_started reaches the agent).
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

#include "actions/registry.h"
#include "agent/catalog.h"
#include "base/clock.h"
#include "base/log.h"
#include "broker/client.h"
#include "broker/server.h"
#include "incidents/incident_manager.h"
#include "incidents/store.h"
#include "io/containment.h"
#include "policy/playbook_loader.h"

namespace {

using namespace std::chrono_literals;
namespace agent = novacron::agent;
namespace io = novacron::io;
namespace incidents = novacron::incidents;
using novacron::Diagnostics;
namespace policy = novacron::policy;
namespace actions = novacron::actions;
namespace broker = novacron::broker;

constexpr const char* kPlaybook = R"(
name: full
severity: 2
category: infrastructure
when: disk_used_ratio > 95%
verify: {window: 1m, mandatory: ["disk_used_ratio < 90%"]}
actions:
  - {id: act, type: exec, automated: true, with: {argv: ["/bin/true", "{incident.id}"]}}
limits: {cooldown: 0s, max_runs_per_hour: 3600}
)";

double percentile(const std::vector<double>& sorted, int p) {
  return sorted[std::min(sorted.size() - 1, sorted.size() * static_cast<size_t>(p) / 100)];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  bool contained = false, brokered = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--cgroup")
      contained = true;
    else if (a == "--broker")
      brokered = true;
    else
      runs = std::atoi(argv[i]);
  }
  novacron::setLogLevel(novacron::LogLevel::kError);  // an incident per run would flood the output
  Diagnostics errors;
  auto list = policy::parsePlaybooks(
      {"bench.yaml", kPlaybook, false}, [](std::string_view n) { return agent::findMetric(n); },
      actions::actionCatalog(), errors);
  auto set = std::make_shared<policy::PolicySet>();
  set->playbooks = std::move(list);

  // The broker is forked first, while this process has one thread, as novacron-agent does.
  std::optional<broker::Fd> agent_end;
  if (brokered) {
    auto pair = broker::channelPair();
    if (!pair || ::geteuid() != 0) {
      std::fprintf(stderr, "--broker needs root\n");
      return 1;
    }
    if (::fork() == 0) {
      pair->first = broker::Fd();
      _exit(broker::serve(std::move(pair->second), broker::Fd(),
                          [set]() -> novacron::Result<broker::BrokerPolicy> {
                            return broker::BrokerPolicy{set, {}};
                          }));
    }
    agent_end = std::move(pair->first);
  }
  boost::asio::io_context io;
  boost::asio::thread_pool pool(1);
  actions::ActionSettings settings;
  io::Containment containment;
  const std::string instance = "bench" + std::to_string(::getpid());
  std::unique_ptr<broker::Client> client;
  if (brokered) {
    client = std::make_unique<broker::Client>(io, std::move(*agent_end));
    auto hello = client->hello(instance);
    if (!hello) {
      std::fprintf(stderr, "broker: %s\n", hello.error().message.c_str());
      return 1;
    }
    client->start();
    contained = hello->containment != "process_group";
  } else if (contained) {
    containment = io::Containment::setUp(instance);
    if (containment.mode() == io::ContainmentMode::kProcessGroup) {
      std::fprintf(stderr, "no cgroup to use: %s\n", containment.description().c_str());
      return 1;
    }
  }
  auto dir =
      std::filesystem::temp_directory_path() / ("novacron_latency_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = incidents::Store::open(dir / "agent.db");
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  novacron::MonotonicWallClock clock;
  const auto* used = agent::findMetric("novacron_disk_used_ratio");
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    // A store of its own each time: one series, one decision, one incident.
    novacron::metrics::MetricStore metrics;
    actions::ActionEnv local{
        io, pool, metrics, settings,
        containment.mode() == io::ContainmentMode::kProcessGroup ? nullptr : &containment};
    std::optional<std::chrono::steady_clock::time_point> started;
    bool ended = false;
    policy::Evaluator evaluator(set, {});
    incidents::ManagerOptions options{"bench", false, 30s, {}, {}};
    options.store_id = instance;
    // Both ways end at the same point: the action's process started, as on_started reports it.
    options.broker = [&](actions::ActionRequest r, actions::ActionDone done) {
      auto inner = std::move(r.on_started);
      r.on_started = [&, inner](pid_t pid) {
        if (!started) started = std::chrono::steady_clock::now();
        if (inner) inner(pid);
      };
      auto finished = [&, done](actions::ActionOutcome o) {
        ended = true;
        done(std::move(o));
      };
      if (client)
        client->run(std::move(r), finished);
      else
        actions::runAction(local, std::move(r), finished);
    };
    incidents::IncidentManager manager(io, **store, clock, metrics, options);
    manager.setPolicy(set);
    std::vector<novacron::metrics::Sample> sample = {
        {used,
         {{"device", "/dev/x"}, {"fstype", "ext4"}, {"mount", "/m" + std::to_string(i)}},
         0.99}};
    auto start = std::chrono::steady_clock::now();
    novacron::TimePoint now = clock.now();
    metrics.append(now, sample);
    manager.handle(evaluator.evaluate(metrics, now));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    io.restart();
    while (!(started && ended) && std::chrono::steady_clock::now() < deadline)
      io.run_one_for(100ms);
    if (!started) {
      std::fprintf(stderr, "run %d: the action did not start\n", i);
      return 1;
    }
    us.push_back(std::chrono::duration<double, std::micro>(*started - start).count());
  }
  std::sort(us.begin(), us.end());
  std::printf(
      "path=%s containment=%s runs=%d p50_us=%.0f p99_us=%.0f max_us=%.0f (target: 20000 beyond "
      "for)\n",
      brokered ? "broker" : "in_process", contained ? "cgroup" : "process_group", runs,
      percentile(us, 50), percentile(us, 99), us.back());
  if (contained && !brokered) {
    // The containment's own share, apart from the durable writes that dominate the tail above:
    // a run's cgroups created with the default limits (what the runner does before fork).
    std::vector<double> create_us;
    for (int i = 0; i < runs; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto cg = containment.create("bench-" + std::to_string(i), {});
      create_us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
      if (cg && *cg) (*cg)->remove();
    }
    std::sort(create_us.begin(), create_us.end());
    std::printf("cgroup_create runs=%d p50_us=%.0f p99_us=%.0f max_us=%.0f\n", runs,
                percentile(create_us, 50), percentile(create_us, 99), create_us.back());
  }
  containment.tearDown();
  client.reset();  // the broker ends what is left and exits
  pool.join();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
