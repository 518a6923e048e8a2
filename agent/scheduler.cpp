// Sampling on fixed-rate timers, the policy evaluated after each heartbeat (host) sweep, and
// systemd's watchdog.
#include "agent/agent_impl.h"

namespace novacron::agent {

namespace {

// Fixed-rate scheduling: the next run is one interval after the previous *scheduled* time, so
// sweeps do not drift; after a stall, missed runs are skipped rather than bunched.
std::chrono::steady_clock::time_point nextRun(std::chrono::steady_clock::time_point prev,
                                              milliseconds interval) {
  auto now = std::chrono::steady_clock::now();
  auto next = prev + interval;
  return next < now ? now + interval : next;
}

// How often the heartbeat asks the broker whether it still answers.
constexpr auto kBrokerPingEvery = std::chrono::seconds(5);

}  // namespace

void Agent::Impl::sweep(size_t i) {
  const collectors::Sweep& run = sources.sweeps().at(i);
  TimePoint now = clock.now();
  for (const auto& m : run.group->sweep(now, run.budget, store)) logWarning(m);
  if (i == 0) {
    evaluatePolicy(now);
    for (const auto& m : self.sweep(now, 0ms, store)) logWarning(m);
    store.trim(now);
    // Not every sweep: each question wakes both processes, and a broker that is gone shows at
    // once anyway (its socket closes); only a stuck one waits for a question to show.
    auto steady = std::chrono::steady_clock::now();
    if (broker && steady - last_broker_ping >= kBrokerPingEvery) {
      broker->ping();
      last_broker_ping = steady;
    }
  }
  record(now, *run.group);
  ++sweeps;
  if (i == 0) last_heartbeat = std::chrono::steady_clock::now();
}

void Agent::Impl::record(TimePoint now, const collectors::CollectorGroup& group) {
  if (!recorder) return;
  for (const auto& batch : group.latest()) {
    auto r = recorder->append(now, batch);
    if (!r && !record_failing)
      logError(r.error().message + "; recording paused until it works again");
    if (r && record_failing) logNotice("recording resumed");
    record_failing = !r;
    if (!r) return;
  }
}

void Agent::Impl::handleDecisions(const std::vector<policy::Decision>& decisions) {
  for (const auto& d : decisions) {
    std::string line = std::string(d.dry_run ? "[dry-run] " : "") + "decision " +
                       std::string(policy::decisionName(d.kind)) + " " +
                       withLabels(d.playbook, d.labels) + " SEV-" + std::to_string(d.severity) +
                       ": " + d.reason;
    log(d.kind == policy::DecisionKind::kOpen || d.kind == policy::DecisionKind::kEscalate
            ? LogLevel::kWarning
            : LogLevel::kNotice,
        line);
    recent_decisions.push_back(d);
    if (recent_decisions.size() > 200) recent_decisions.pop_front();
  }
}

void Agent::Impl::evaluatePolicy(TimePoint now) {
  auto start = std::chrono::steady_clock::now();
  auto decisions = evaluator.evaluate(store, now);
  handleDecisions(decisions);
  if (manager) {
    manager->handle(decisions);
    manager->tick();
  }
  policy_stats.last_evaluation_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  updatePolicyStats();
}

void Agent::Impl::updatePolicyStats() {
  policy_stats.playbooks_enabled = policy_stats.playbooks_disabled = 0;
  policy_stats.firing.clear();
  for (const auto& p : evaluator.policy().playbooks) {
    ++(p.enabled ? policy_stats.playbooks_enabled : policy_stats.playbooks_disabled);
    if (p.enabled) policy_stats.firing[p.name] = 0;
  }
  for (const auto& o : evaluator.open()) ++policy_stats.firing[o.playbook];
  policy_stats.dry_run = config.dry_run;
}

void Agent::Impl::scheduleSweeps() {
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < sweep_timers.size(); ++i) {
    sweep_timers[i].cancel();
    scheduleSweep(i, now);
  }
}

void Agent::Impl::scheduleSweep(size_t i, std::chrono::steady_clock::time_point prev) {
  asio::steady_timer& timer = sweep_timers[i];
  timer.expires_at(nextRun(prev, sources.sweeps().at(i).interval));
  timer.async_wait([this, i, &timer](boost::system::error_code ec) {
    if (ec || stopping) return;
    guarded(sources.sweeps().at(i).what, [this, i] { sweep(i); });
    scheduleSweep(i, timer.expiry());
  });
}

// Pets systemd's watchdog only while sampling is alive, so a wedged loop gets restarted.
void Agent::Impl::scheduleWatchdog(std::chrono::microseconds period) {
  watchdog_timer.expires_after(period / 2);
  watchdog_timer.async_wait([this, period](boost::system::error_code ec) {
    if (ec || stopping) return;
    auto age = std::chrono::steady_clock::now() - last_heartbeat;
    if (age < std::max<std::chrono::steady_clock::duration>(period, 3 * sources.heartbeat())) {
      io::notifyWatchdog();
    } else {
      logError("sampling stalled; not petting the watchdog");
    }
    scheduleWatchdog(period);
  });
}

}  // namespace novacron::agent
