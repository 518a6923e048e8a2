#pragma once

// The agent's state and wiring, shared by the files that implement it (agent.cpp, scheduler.cpp,
// status.cpp, reload.cpp, view.cpp). Its components — the sources' registry, the store's upkeep,
// delivery, the control socket's commands and the HTTP routes — have their own files and state.
// Included by those that implement it only.

#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>

#include "actions/diagnostics_report.h"
#include "agent/agent.h"
#include "agent/api/bearer_token.h"
#include "agent/api/http_api.h"
#include "agent/api/http_metrics.h"
#include "agent/api/routes.h"
#include "agent/catalog.h"
#include "agent/control/access.h"
#include "agent/control/commands.h"
#include "agent/control/control_socket.h"
#include "agent/delivery.h"
#include "agent/replay.h"
#include "agent/store_upkeep.h"
#include "base/duration.h"
#include "base/guard.h"
#include "base/json_text.h"
#include "base/log.h"
#include "broker/client.h"
#include "broker/privileges.h"
#include "collectors/collector_group.h"
#include "collectors/self_collector.h"
#include "incidents/incident_commands.h"
#include "incidents/incident_manager.h"
#include "incidents/recovery.h"
#include "incidents/store.h"
#include "incidents/validation_report.h"
#include "io/control_request.h"
#include "io/firewall.h"
#include "io/http_server.h"
#include "io/memory_release.h"
#include "io/orphans.h"
#include "io/state_dir.h"
#include "io/systemd_notify.h"
#include "metrics/exposition.h"
#include "metrics/labels_json.h"
#include "metrics/metric_store.h"
#include "metrics/recorder.h"
#include "novacron/version.h"
#include "policy/evaluator.h"
#include "reporting/alertmanager.h"
#include "reporting/reporter.h"

namespace novacron::agent {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace std::chrono_literals;

/// The /v1 tokens: http.token_file as "api", then http.tokens.
std::vector<NamedToken> apiTokens(const agent::Config& c);

struct Agent::Impl {
  Impl(agent::Config c, policy::PolicyPtr p, std::optional<std::filesystem::path> file,
       agent::ConfigEnv e, collectors::CollectorDeps d, std::optional<BrokerLink> link)
      : config(std::move(c)),
        config_file(std::move(file)),
        env(std::move(e)),
        store({config.metrics_retention, config.metrics_max_series, 9000}),
        events(kVersion),
        started(clock.now()),
        sources(
            io, clock, config.systemctl.string(),
            [this](TimePoint t, std::vector<metrics::Sample> s) { store.append(t, s); },
            config.sources, std::move(d)),
        self("agent", {}, false),
        evaluator(std::move(p), evaluatorOptions(config)),
        delivery(io, clock, config),
        watchdog_timer(io),
        upkeep(io, clock, config),
        memory_release(io),
        signals(io, SIGTERM, SIGINT, SIGHUP),
        commands(view(), access, config),
        routes(view(), api_token, events),
        http(io, [this](const io::HttpRequest& r) { return routes.handle(r); }),
        control(io, [this](std::string_view line, const PeerCredentials& peer, ControlReply reply) {
          commands.handle(line, peer, std::move(reply));
        }) {
    reload.last_success = started;
    self.add(std::make_unique<collectors::SelfCollector>(sources.groups(), store, reload,
                                                         policy_stats, started));
    for (size_t i = 0; i < sources.sweeps().size(); ++i) sweep_timers.emplace_back(io);
    if (config.record_path) recorder.emplace(*config.record_path, config.record_max_bytes);
    store.keepHistoryOf(metricsWithHistory(evaluator.policy()));
    updatePolicyStats();
    if (link) {
      broker = std::make_unique<broker::Client>(io, std::move(link->channel));
      broker_pid = link->pid;
    }
  }

  // Declared first: destroyed last, after everything that holds handlers on it.
  asio::io_context io;
  MonotonicWallClock clock;
  agent::Config config;
  std::optional<std::filesystem::path> config_file;
  agent::ConfigEnv env;
  metrics::MetricStore store;
  EventMetrics events;
  uint64_t sweeps = 0;  // sweeps run, of any group, and reloads: what /metrics is rendered for
  struct RenderedMetrics {
    uint64_t sweep = UINT64_MAX;
    std::string text, gzipped;
    bool has_gzipped = false;
  } rendered_metrics;
  collectors::ReloadStatus reload;
  TimePoint started;
  // Every source of samples, from their one registry.
  collectors::Sources sources;
  // The agent's own collector: swept after the heartbeat sweep, served like any source.
  collectors::CollectorGroup self;
  policy::Evaluator evaluator;
  collectors::PolicyStats policy_stats;
  std::deque<policy::Decision> recent_decisions;  // for `novacron status`; bounded
  std::optional<metrics::Recorder> recorder;
  // Where action processes are held; set up with the store, before the manager that uses it.
  io::Containment containment;
  // The root broker, when the agent was started as root: actions that need root go there.
  std::unique_ptr<broker::Client> broker;
  pid_t broker_pid = 0;
  std::string containment_mode, containment_description;  // whoever holds the runs' cgroups
  std::unique_ptr<incidents::Store> incident_store;
  std::unique_ptr<incidents::IncidentManager> manager;
  Delivery delivery;  // to the coordinator and Alertmanager, once the incident store is open
  BearerToken api_token;
  AccessPolicy access;
  std::string store_error;  // why incidents are not being recorded, for /healthz and status
  std::string store_id;     // marks the processes of this store's action runs
  bool record_failing = false;
  std::optional<io::StateDir> state_dir;
  std::deque<asio::steady_timer> sweep_timers;  // one per sweep of the sources, in their order
  asio::steady_timer watchdog_timer;
  StoreUpkeep upkeep;                // the store's, once a minute
  io::MemoryRelease memory_release;  // once start-up or a reload settles, then every 10 minutes
  asio::signal_set signals;
  // The front doors: the control socket's commands and the HTTP routes, each on the agent's view.
  ControlCommands commands;
  HttpRoutes routes;
  io::HttpServer http;
  ControlSocket control;
  std::chrono::steady_clock::time_point last_heartbeat{};  // the end of the first sweep's last run
  std::chrono::steady_clock::time_point last_broker_ping{};
  bool stopping = false;
  int exit_status = 0;

  // Every source, in the order of /metrics and the status matrix: the sources of samples, the
  // agent's own, then delivery (once the incident store is open).
  template <class Self>
  static auto allSources(Self& a) {
    auto out = a.sources.all();
    out.push_back(&a.self);
    a.delivery.sources(out);
    return out;
  }

  // --- scheduler.cpp -------------------------------------------------------
  // One run of the i-th sweep. After the first (the heartbeat) the policy is evaluated and the
  // agent samples itself.
  void sweep(size_t i);
  void record(TimePoint now, const collectors::CollectorGroup& group);
  void handleDecisions(const std::vector<policy::Decision>& decisions);
  void evaluatePolicy(TimePoint now);
  void updatePolicyStats();
  void scheduleSweeps();
  void scheduleSweep(size_t i, std::chrono::steady_clock::time_point prev);
  // Pets systemd's watchdog only while sampling is alive, so a wedged loop gets restarted.
  void scheduleWatchdog(std::chrono::microseconds period);

  // --- status.cpp ----------------------------------------------------------
  collectors::Batches latestBatches() const;
  // /metrics, rendered (and gzipped) once per sweep: scrapers in between, such as the two
  // Prometheus servers of an HA pair, are sent the same bytes.
  const std::string& metricsText(bool gzipped);
  // The runbook's service status matrix: one row per collector, per probe and for the incident
  // store, each ok, degraded or down.
  json matrixJson() const;
  std::vector<std::pair<std::string, const collectors::CollectorHealth*>> sampling() const;
  json healthJson() const;
  json statusJson() const;
  bool paused() const;
  json decisionJson(const policy::Decision& d) const;
  json policyJson() const;
  json playbooksJson() const;
  json metricsJson(const std::string& match) const;

  // --- view.cpp ------------------------------------------------------------
  // What the front doors read and ask of the agent.
  AgentView view();
  // The block set, from the broker (or nftables itself without one).
  void listBlocked(std::function<void(Result<std::string>)> answer);
  incidents::IncidentContext incidentContext();
  // `validate` and GET /v1/validate: the recovery checklist now, for one incident or the host.
  incidents::CommandReply validate(const std::optional<std::string>& id);

  // --- reload.cpp ----------------------------------------------------------
  void reloadConfig();
  std::map<std::string, std::string> playbookDescriptions() const;
  incidents::ManagerOptions managerOptions();

  // --- agent.cpp -----------------------------------------------------------
  void waitSignal();
  // Stops sampling, serving and running; the loop returns.
  void stop();
  // A random id made once per store, which marks the processes of its action runs.
  std::string storeId();
  // Where action processes are held: a cgroup per run when one can be made. Said once, in the
  // log, on /metrics and in novacron status. Returns what a killed predecessor's runs left in
  // their cgroups, ended.
  incidents::Leftovers setUpContainment();
  // As root, with a broker: the state dir and socket go to the agent's user, then root goes.
  Result<void> dropPrivileges(const broker::Identity& who);
  // The broker is gone: nothing runs any more; the agent says so and exits for systemd.
  void brokerDown(const std::string& why);
  // After the agent's end is closed: the broker ends the runs, then exits; reaped here.
  void waitForBroker();
  // The incident store. Without it the agent still samples and decides, and says loudly that it
  // records and runs nothing (log, /healthz, novacron status).
  void openIncidentStore();
  int run();
};

}  // namespace novacron::agent
