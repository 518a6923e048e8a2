#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "agent/agent_impl.h"
#include "broker/task_channel.h"

namespace novacron::agent {

void Agent::Impl::waitSignal() {
  signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      if (!guarded("the reload", [this] { reloadConfig(); })) {
        reload.successful = false;
        io::notifyReady("sampling; last reload failed");
      }
      waitSignal();
      return;
    }
    logInfo(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    stop();
  });
}

void Agent::Impl::stop() {
  io::notifyStopping();
  stopping = true;
  if (manager) manager->shutdown();
  // Anything an action left that escaped its process group is in its cgroup (with a broker,
  // the broker's, which ends it when the agent's end closes).
  containment.tearDown();
  for (auto* source : allSources(*this)) source->stop();
  http.stop();
  control.stop();
  for (auto& t : sweep_timers) t.cancel();
  watchdog_timer.cancel();
  upkeep.stop();
  memory_release.stop();
  signals.cancel();
  io.stop();
}

// A random id made once per store, which marks the processes of its action runs.
std::string Agent::Impl::storeId() {
  if (auto id = incident_store->state("store_id"); id && *id) return **id;
  std::string id = io::newStoreId();
  if (auto r = incident_store->setState("store_id", id); !r) logError(r.error().message);
  return id;
}

// Where action processes are held: a cgroup per run when one can be made. Said once, in the
// log, on /metrics and in novacron status.
incidents::Leftovers Agent::Impl::setUpContainment() {
  incidents::Leftovers left;
  if (broker) {
    // The broker holds the runs and their cgroups; it sets them up when it learns the store id.
    auto hello = broker->hello(store_id);
    if (!hello) {
      brokerDown("no answer to the handshake: " + hello.error().message);
      return left;
    }
    containment_mode = hello->containment;
    left = hello->leftovers;
    containment_description =
        hello->description + " (held by the broker, pid " + std::to_string(broker_pid) + ")";
  } else {
    containment = io::Containment::setUp(store_id);
    containment_mode = io::containmentName(containment.mode());
    containment_description = containment.description();
    left = containment.endLeftovers();
  }
  events.containment(containment_mode);
  (containment_mode == "process_group" ? logWarning
                                       : logInfo)("action containment: " + containment_description);
  return left;
}

void Agent::Impl::brokerDown(const std::string& why) {
  if (stopping) return;
  logError("broker down (" + why +
           "): the agent runs no action and exits for systemd to restart it");
  exit_status = 1;
  stop();
}

void Agent::Impl::waitForBroker() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(broker_pid, nullptr, WNOHANG);
    if (r == broker_pid || (r < 0 && errno != EINTR)) return;
    ::usleep(10000);
  }
  logWarning("the broker (pid " + std::to_string(broker_pid) + ") did not exit within 10 s");
}

Result<void> Agent::Impl::dropPrivileges(const broker::Identity& who) {
  // The state directory was given to the user when it was opened (StateDir), through its
  // descriptor; the evidence directory below it stays the broker's.
  return broker::dropTo(who);
}

// The incident store. Without it the agent still samples and decides, and says loudly that it
// records and runs nothing (log, /healthz, novacron status).
void Agent::Impl::openIncidentStore() {
  auto opened = incidents::Store::open(config.state_dir / "agent.db");
  if (!opened) {
    store_error = opened.error().message;
    logError(store_error + "; incidents are not recorded and no action will run");
    return;
  }
  incident_store = std::move(opened).value();
  TimePoint now = clock.now();
  store_id = storeId();
  incidents::Leftovers left = setUpContainment();
  incidents::recoverAfterRestart(*incident_store, containment, left, store_id, now);
  manager = std::make_unique<incidents::IncidentManager>(io, *incident_store, clock, store,
                                                         managerOptions());
  manager->setPolicy(evaluator.policyPtr());
  evaluator.setOwner(manager.get());
  auto paused = incident_store->state("paused");
  bool on = paused && paused->value_or("false") == "true";
  manager->setPaused(on);
  if (on) logWarning("the kill switch is on: automated actions are paused");
  delivery.open(*incident_store, store_id, playbookDescriptions(), [this] {
    const auto& policy = evaluator.policy();
    return reporting::AgentSelf{policy.digest, this->paused(), policy.playbooks.size()};
  });
}

int Agent::Impl::run() {
  setLogLevel(config.log_level);
  // An agent that cannot start leaves nothing behind: the cgroups it made for actions go too.
  auto cannotStart = [this](const std::string& why) {
    logError(why);
    containment.tearDown();
    return 1;
  };
  std::optional<broker::Identity> user;
  if (broker) {
    auto who = broker::lookupUser(config.user);
    if (!who)
      return cannotStart("user: " + who.error().message +
                         " (the package creates novacron; by hand: useradd --system novacron)");
    // The store is opened after the drop: its directory must be within the user's reach.
    if (auto r = broker::canReach(config.state_dir, *who); !r)
      return cannotStart(r.error().message +
                         "; set state_dir (or NOVACRON_STATE_DIR) to a directory it can reach, "
                         "such as /var/lib/novacron");
    user = *who;
  }
  auto dir = io::StateDir::open(
      config.state_dir, user ? std::optional<Owner>(Owner{user->uid, user->gid}) : std::nullopt);
  if (!dir) return cannotStart(dir.error().message);
  state_dir.emplace(std::move(*dir));
  if (config.http_tls_cert && config.http_tls_key) {
    if (auto r = http.enableTls(*config.http_tls_cert, *config.http_tls_key); !r)
      return cannotStart(r.error().message);
  }
  // Scrapes, health checks and the coordinator keep slots of their own: no other client can
  // lock them out of the agent.
  http.setPriority([this](const io::HttpRequest& r) {
    if (r.path == "/metrics" || r.path == "/healthz") return true;
    auto auth = r.headers.find("authorization");
    return r.path.starts_with("/v1/") && auth != r.headers.end() &&
           api_token.check(auth->second) == BearerToken::Check::kOk;
  });
  if (auto r = http.listen(config.http_listen); !r) return cannotStart(r.error().message);
  // Who the agent is once started: the user it drops to, or itself.
  access.agent_uid = user ? user->uid : ::geteuid();
  access.reader_gid = user ? user->gid : ::getegid();
  std::optional<gid_t> socket_group;
  if (user) socket_group = user->gid;
  if (config.control_group) {
    if (struct group* g = ::getgrnam(config.control_group->c_str())) {
      access.reader_gid = g->gr_gid;
      socket_group = g->gr_gid;
    }
  }
  if (config.control_admin_group) {
    if (struct group* g = ::getgrnam(config.control_admin_group->c_str()))
      access.admin_gid = g->gr_gid;
  }
  if (auto r = control.listen(config.control_socket_path, 0660, socket_group,
                              user ? std::optional<uid_t>(user->uid) : std::nullopt);
      !r)
    return cannotStart(r.error().message);
  if (user) {
    // From here on nothing runs as root in this process: what comes from the network, the
    // socket, the database and /proc is parsed with no privilege at all.
    if (auto r = dropPrivileges(*user); !r) return cannotStart(r.error().message);
    logInfo("running as " + user->name + " (uid " + std::to_string(user->uid) +
            ") with no capabilities; the broker (pid " + std::to_string(broker_pid) +
            ") does what needs root");
    broker->onDown([this](const std::string& why) { brokerDown(why); });
    broker->start();
  }
  openIncidentStore();
  if (broker && !broker->up()) return cannotStart("broker down: " + broker->downReason());
  api_token.setTokens(apiTokens(config));
  // The first sweep runs before READY, so /metrics has data the moment systemd says started.
  for (size_t i = 0; i < sweep_timers.size(); ++i) sweep(i);
  scheduleSweeps();
  if (auto period = io::watchdogPeriod()) scheduleWatchdog(*period);
  if (manager) upkeep.start(*incident_store);
  waitSignal();
  logInfo("novacron-agent " + std::string(kVersion) + " node " + config.node_id +
          ": sampling every " + formatDuration(sources.heartbeat()) + ", http on " +
          config.http_listen.host + ":" + std::to_string(http.port()) + ", control socket " +
          config.control_socket_path.string() + ", state in " + config.state_dir.string() + ", " +
          std::to_string(policy_stats.playbooks_enabled) + " playbooks enabled" +
          (config.dry_run ? " (dry-run)" : ""));
  io::notifyReady("sampling");
  // Start-up goes on in the loop for a while (sources connect, the first report, the first
  // scrape of each target): ten seconds on, what only it used is given back.
  memory_release.start();
  // Sources on timers of their own start with the loop: a check's timeout must not run while
  // start-up blocks it.
  sources.start();
  // Delivery starts with the loop too: a coordinator or Alertmanager that is down or slow never
  // holds up start-up.
  delivery.start();
  // Every handler guards itself; this is the net under them. After an exception run() may
  // simply be called again.
  for (bool done = false; !done;) {
    done = guarded("the event loop", [this] { io.run(); });
  }
  if (broker) {
    // Closing our end is the broker's signal to end every run still going and remove their
    // cgroups: nothing an action started outlives the agent's stop.
    broker.reset();
    waitForBroker();
  }
  logInfo("stopped");
  return exit_status;
}

namespace {

// With a broker, the process scanner asks it for the table on a channel of its own.
collectors::CollectorDeps withTaskChannel(collectors::CollectorDeps deps,
                                          std::optional<BrokerLink>& broker) {
  if (broker && broker->tasks.get() >= 0) {
    auto channel = std::make_shared<broker::TaskChannel>(std::move(broker->tasks));
    deps.open_tasks = [channel] { return channel->open(); };
  }
  return deps;
}

}  // namespace

Agent::Agent(agent::Config config, policy::PolicyPtr policy,
             std::optional<std::filesystem::path> config_file, agent::ConfigEnv env,
             collectors::CollectorDeps deps, std::optional<BrokerLink> broker)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(policy), std::move(config_file),
                                   std::move(env), withTaskChannel(std::move(deps), broker),
                                   std::move(broker))) {}

Agent::~Agent() = default;

int Agent::run() { return impl_->run(); }

}  // namespace novacron::agent
