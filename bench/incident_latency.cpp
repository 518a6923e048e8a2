// From the sample that makes a condition true to the first automated action's process started:
// evaluation, the incident recorded durably (incident row, opened event, diagnostics report),
// the action run recorded, then fork and exec. The playbook's `for` is 0 s, so all of it is
// latency beyond `for`. Prints p50, p99 and max over the runs. With --cgroup, each action gets
// its cgroup as the agent gives it (actions/containment.h): the cost of containment.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "actions/registry.h"
#include "agent/catalog.h"
#include "base/clock.h"
#include "base/log.h"
#include "incidents/incident_manager.h"
#include "incidents/store.h"
#include "io/containment.h"
#include "policy/playbook_loader.h"

namespace {

using namespace std::chrono_literals;
namespace agent = novacron::agent;
namespace policy = novacron::policy;

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

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  bool contained = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--cgroup")
      contained = true;
    else
      runs = std::atoi(argv[i]);
  }
  novacron::actions::Containment containment;
  if (contained) {
    containment = novacron::actions::Containment::setUp("bench-" + std::to_string(::getpid()));
    if (containment.mode() == novacron::actions::ContainmentMode::kProcessGroup) {
      std::fprintf(stderr, "no cgroup to use: %s\n", containment.description().c_str());
      return 1;
    }
  }
  novacron::setLogLevel(novacron::LogLevel::kError);  // an incident per run would flood the output
  auto dir =
      std::filesystem::temp_directory_path() / ("novacron_latency_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = agent::Store::open(dir / "agent.db");
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  policy::Diagnostics errors;
  auto list = policy::parsePlaybooks(
      {"bench.yaml", kPlaybook, false}, [](std::string_view n) { return agent::findMetric(n); },
      novacron::actions::actionCatalog(), errors);
  auto set = std::make_shared<policy::PolicySet>();
  set->playbooks = std::move(list);
  novacron::MonotonicWallClock clock;
  const auto* used = agent::findMetric("novacron_disk_used_ratio");
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    boost::asio::io_context io;
    novacron::collectors::MetricStore metrics;
    policy::Evaluator evaluator(set, {});
    agent::ManagerOptions options{"bench", false, 30s, {}, {}};
    options.containment = contained ? &containment : nullptr;
    agent::IncidentManager manager(io, **store, clock, metrics, options);
    manager.setPolicy(set);
    std::vector<novacron::collectors::Sample> sample = {
        {used,
         {{"device", "/dev/x"}, {"fstype", "ext4"}, {"mount", "/m" + std::to_string(i)}},
         0.99}};
    auto start = std::chrono::steady_clock::now();
    novacron::TimePoint now = clock.now();
    metrics.append(now, sample);
    manager.handle(evaluator.evaluate(metrics, now));  // returns once the child is forked
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
    io.run_for(2s);  // let /bin/true finish outside the measurement
  }
  std::sort(us.begin(), us.end());
  std::printf(
      "containment=%s runs=%d p50_us=%.0f p99_us=%.0f max_us=%.0f (target: 20000 beyond for)\n",
      contained ? "cgroup" : "process_group", runs, us[us.size() / 2],
      us[std::min(us.size() - 1, us.size() * 99 / 100)], us.back());
  if (contained) {
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
                create_us[create_us.size() / 2],
                create_us[std::min(create_us.size() - 1, create_us.size() * 99 / 100)],
                create_us.back());
  }
  containment.tearDown();
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
