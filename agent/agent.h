#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "agent/catalog.h"
#include "agent/config/config.h"
#include "broker/channel.h"

namespace novacron::agent {

/// The agent's end of the broker, forked by novacron-agent before anything was parsed.
struct BrokerLink {
  broker::Fd channel;
  broker::Fd tasks;  ///< the process table channel (broker/task_channel.h)
  pid_t pid = 0;
};

/// The daemon: one io_context that samples the host on timers, serves /metrics and /healthz over
/// HTTP and answers the control socket, reloads on SIGHUP and stops on SIGTERM/SIGINT.
class Agent {
 public:
  /// `config_file` is what SIGHUP re-reads; without one, a reload keeps the embedded defaults.
  Agent(agent::Config config, policy::PolicyPtr policy,
        std::optional<std::filesystem::path> config_file, agent::ConfigEnv env,
        collectors::CollectorDeps deps = collectors::CollectorDeps::current(),
        std::optional<BrokerLink> broker = std::nullopt);
  ~Agent();

  /// Runs until a stop signal. With a broker, the agent drops to `config.user` once its
  /// directory, port and socket are set up, and the actions that need root go to the broker.
  /// Returns the exit status: 0 after a clean stop, 1 if the agent could not start (state directory
  /// locked, port taken...), with the reason logged.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace novacron::agent
