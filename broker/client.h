#pragma once
// The agent's side of the broker: what the unprivileged main process asks of the root one, on
// its event loop. Every request of a run is answered twice: accepted or refused at once, then the
// run's end. If the broker goes, every run waiting on it fails with the reason and onDown() says
// so: the agent then runs nothing and exits, for systemd to start both again.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actions/action.h"
#include "broker/channel.h"

namespace boost::asio {
class io_context;
}

namespace novacron::broker {

class Client {
 public:
  /// What the broker said at the handshake.
  struct Hello {
    std::string policy;       ///< the digest of its policy
    std::string containment;  ///< the containment mode of the runs (systemd, cgroup, ...)
    std::string description;
    /// The runs' cgroups a killed predecessor left, which the broker ended: name, processes.
    std::vector<std::pair<std::string, size_t>> leftovers;
  };

  Client(boost::asio::io_context& io, Fd channel);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// The handshake, before the loop runs: blocks at most `timeout`. `instance` names the
  /// agent's store, which names the runs' cgroups and markers.
  Result<Hello> hello(const std::string& instance,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Starts reading the broker's answers on the loop.
  void start();

  /// Runs an action that needs root (actions::ActionEnv::broker). `done` is called once, on the
  /// loop: with the run's end, or with the broker's refusal and its reason.
  void run(actions::ActionRequest request, actions::ActionDone done);
  /// Ends what a run started (this life's, or one a killed predecessor left).
  void killRun(int64_t run);
  /// The broker reads its configuration and playbooks again: the new digest (info().policy
  /// follows it), or why not.
  void reload(std::function<void(Result<std::string>)> done);
  /// The firewall block set, as JSON.
  void listBlocked(std::function<void(Result<std::string>)> done);

  /// Asks the broker whether it still answers (the agent's heartbeat does every 5 s); its answer
  /// refreshes info().policy. One question at a time: a new one waits for the last answer.
  void ping();
  /// How long the last question has gone unanswered (zero when none waits): a broker alive but
  /// stuck shows here, one that has gone in up().
  std::chrono::steady_clock::duration unanswered() const;

  /// Called once, on the loop, when the broker has gone.
  void onDown(std::function<void(const std::string&)> f);
  bool up() const;
  const std::string& downReason() const;
  const Hello& info() const;
  /// Runs the broker has accepted and not yet ended.
  size_t running() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace novacron::broker
