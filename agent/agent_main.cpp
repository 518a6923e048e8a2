// novacron-agent: the daemon's command line.
#include <malloc.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "actions/registry.h"
#include "agent/agent.h"
#include "agent/catalog.h"
#include "agent/config/config.h"
#include "agent/replay.h"
#include "base/log.h"
#include "broker/server.h"
#include "collectors/plugin.h"
#include "metrics/exposition.h"
#include "metrics/sample.h"
#include "novacron/version.h"

namespace {

constexpr const char* kUsage =
    "usage: novacron-agent [--config FILE] [--check-config]\n"
    "       novacron-agent replay [--playbooks DIR] [--builtin] [--config FILE] --metrics FILE\n"
    "       novacron-agent --list-metrics | --list-actions | --list-sources | --version | --help\n"
    "\n"
    "Runs the NovaCron host agent in the foreground. Without --config it runs on embedded\n"
    "defaults: state in ./var/novacron (or $NOVACRON_STATE_DIR), HTTP on 127.0.0.1:9810.\n"
    "\n"
    "  --config FILE    read the YAML configuration in FILE (SIGHUP re-reads it)\n"
    "  --check-config   validate the configuration and exit: 0 if valid, 1 with\n"
    "                   FILE:LINE:COLUMN: reason for every problem\n"
    "  --list-metrics   print the metric reference as a Markdown table\n"
    "  --list-actions   print the action type reference as a Markdown table\n"
    "  --list-sources   print the sources' configuration reference as a Markdown table\n"
    "  --version        print the version\n"
    "\n"
    "replay runs the playbooks of DIR (and the built-ins with --builtin) over samples\n"
    "recorded with collectors.record (JSON lines) and prints what would have happened.\n";

int listMetrics() {
  std::cout << novacron::metrics::metricReferenceTable(novacron::agent::metricCatalog());
  return 0;
}

void printErrors(const novacron::Diagnostics& errors, const char* what) {
  for (const auto& d : errors) std::cerr << d.str() << "\n";
  std::cerr << "novacron-agent: " << errors.size() << " problem" << (errors.size() == 1 ? "" : "s")
            << " in the " << what << "\n";
}

int replay(int argc, char** argv) {
  novacron::agent::ReplayOptions opts;
  std::optional<std::string> config_file;
  bool have_metrics = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--playbooks" && i + 1 < argc) {
      opts.playbooks_dir = argv[++i];
    } else if (a == "--metrics" && i + 1 < argc) {
      opts.metrics = argv[++i];
      have_metrics = true;
    } else if (a == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (a == "--builtin") {
      opts.with_builtins = true;
    } else {
      std::cerr << "novacron-agent replay: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
  }
  if (!have_metrics) {
    std::cerr << "novacron-agent replay: --metrics FILE is required\n" << kUsage;
    return 2;
  }
  if (config_file) {
    auto loaded = novacron::agent::loadConfig(*config_file, novacron::agent::ConfigEnv::current());
    if (!loaded.config) {
      printErrors(loaded.errors, "configuration");
      return 1;
    }
    opts.evaluator = novacron::agent::evaluatorOptions(*loaded.config);
  }
  return novacron::agent::runReplay(opts, std::cout, std::cerr);
}

// The broker's own reading of the configuration and playbooks: the same files, read as root.
novacron::broker::PolicyLoader brokerLoader(std::optional<std::string> config_file,
                                            novacron::agent::ConfigEnv env) {
  return [config_file, env]() -> novacron::Result<novacron::broker::BrokerPolicy> {
    auto loaded = novacron::agent::loadAgent(config_file, env);
    auto problem = [](const char* what, const novacron::Diagnostics& d) {
      return novacron::makeError(novacron::ErrorCode::kMalformed,
                                 std::string(what) + (d.empty() ? "errors" : d.front().str()));
    };
    if (!loaded.config.config) return problem("configuration: ", loaded.config.errors);
    if (!loaded.policy.policy) return problem("playbooks: ", loaded.policy.errors);
    return novacron::broker::BrokerPolicy{loaded.policy.policy,
                                          novacron::agent::actionSettings(*loaded.config.config)};
  };
}

// Privilege separation, before anything is parsed: started as root, the process forks the
// broker, which stays root and dies with the agent (PR_SET_PDEATHSIG); the agent drops to its
// user once its directory, port and socket are set up (Agent::run).
std::optional<novacron::agent::BrokerLink> forkBroker(const std::optional<std::string>& file,
                                                      const novacron::agent::ConfigEnv& env) {
  if (::geteuid() != 0) return std::nullopt;  // nothing to separate: no root to keep
  auto pair = novacron::broker::channelPair();
  auto tasks = novacron::broker::channelPair();  // the process table's (broker/task_channel.h)
  for (const auto* p : {&pair, &tasks}) {
    if (!*p) {
      std::cerr << "novacron-agent: " << p->error().message << "\n";
      std::exit(1);
    }
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    std::cerr << "novacron-agent: cannot fork the broker: " << std::strerror(errno) << "\n";
    std::exit(1);
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) _exit(0);  // the agent died before the line above
    ::prctl(PR_SET_NAME, "novacron-broker");
    pair->first = novacron::broker::Fd();
    tasks->first = novacron::broker::Fd();
    _exit(novacron::broker::serve(std::move(pair->second), std::move(tasks->second),
                                  brokerLoader(file, env)));
  }
  return novacron::agent::BrokerLink{std::move(pair->first), std::move(tasks->first), pid};
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena for every thread: the agent's few threads (statfs calls, the process
  // table) are idle nearly always, and an arena each would hold its own free memory.
  ::mallopt(M_ARENA_MAX, 1);
  if (argc > 1 && std::string(argv[1]) == "replay") return replay(argc, argv);
  std::optional<std::string> config_file;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (a.starts_with("--config=")) {
      config_file = a.substr(9);
    } else if (a == "--check-config") {
      check = true;
    } else if (a == "--list-metrics") {
      return listMetrics();
    } else if (a == "--list-actions") {
      std::cout << novacron::actions::actionReference();
      return 0;
    } else if (a == "--list-sources") {
      std::cout << novacron::agent::sourcesReference();
      return 0;
    } else if (a == "--version") {
      std::cout << "novacron-agent " << novacron::kVersion << "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "novacron-agent: unknown argument '" << a << "'\n" << kUsage;
      return 2;
    }
  }

  auto env = novacron::agent::ConfigEnv::current();
  std::optional<novacron::agent::BrokerLink> broker;
  if (!check) broker = forkBroker(config_file, env);
  auto [loaded, policy] = novacron::agent::loadAgent(config_file, env);
  if (!loaded.config) {
    printErrors(loaded.errors, "configuration");
    return 1;
  }
  if (!policy.policy) {
    printErrors(policy.errors, "playbooks");
    return 1;
  }
  for (const auto& w : policy.warnings) std::cerr << w.str() << "\n";
  if (check) {
    size_t enabled = 0;
    for (const auto& p : policy.policy->playbooks) enabled += p.enabled;
    std::cout << (config_file ? *config_file : std::string("embedded defaults")) << ": OK, "
              << enabled << " of " << policy.policy->playbooks.size() << " playbooks enabled\n";
    return 0;
  }
  std::optional<std::filesystem::path> file;
  if (config_file) file = std::filesystem::absolute(*config_file);
  novacron::agent::Agent agent(std::move(*loaded.config), policy.policy, file, env,
                               novacron::collectors::CollectorDeps::current(), std::move(broker));
  return agent.run();
}
