#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actions/action.h"
#include "base/clock.h"
#include "base/result.h"
#include "incidents/store.h"
#include "metrics/metric_store.h"
#include "policy/evaluator.h"
#include "policy/limits.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace novacron::incidents {

struct ManagerOptions {
  std::string node_id;

  bool dry_run = false;
  /// A non-automated action waits this long for an approval, then counts as denied.
  milliseconds approval_timeout{std::chrono::minutes(30)};
  policy::Limits::Options limits;
  /// Receives incident durations: "detection", "acknowledge" or "resolution", in seconds.
  std::function<void(const std::string& kind, const std::string& playbook, int severity,
                     double seconds)>
      observe;
  /// What the action types need: evidence dir, systemctl, the notification webhook.
  actions::ActionSettings actions = {};
  /// The recent points of the series behind an incident, attached to it when it opens.
  milliseconds flight_recorder{std::chrono::minutes(5)};
  /// Marks this manager's action processes (actions::runMarker). Empty: a random one of its own.
  /// Two managers must never share one: a run's clean-up kills every process with its marker.
  std::string store_id = {};
  /// Where action processes are held; null: process groups. Outlives the manager.
  const io::Containment* containment = nullptr;
  /// Where the actions that need root go when the agent has dropped root (broker/client.h).
  actions::BrokerRun broker = {};
  /// How shutdown() ends a run still going; unset: its process group is killed from here.
  std::function<void(int64_t run)> end_run = {};
};

/// Carries out the evaluator's decisions: an incident per decision to open, written to the store
/// before anything is done about it; its actions in order, each only past the limits and, if not
/// automated, after an approval; after each, its verification; resolved when verification holds,
/// escalated when no action is left. Every step is a timeline event. Event-loop only.
class IncidentManager : public policy::IncidentOwner {
 public:
  IncidentManager(boost::asio::io_context& io, Store& store, const Clock& clock,
                  const metrics::MetricStore& metrics, ManagerOptions options);
  ~IncidentManager();

  void setPolicy(policy::PolicyPtr policy) { policy_ = std::move(policy); }
  /// A reload: new limits, timeouts and action settings for what starts from now on.
  void setOptions(ManagerOptions options);
  void setPaused(bool paused) { paused_ = paused; }
  /// The one answer to "is this incident open": the evaluator asks it (policy::IncidentOwner).
  /// An incident escalated while its condition was watched is held open until the condition
  /// clears (the evaluator's resolve), so that it does not open again at once while a human works
  /// on it; one verified, or of a playbook without a condition, or opened by hand, is not.
  bool holds(std::string_view playbook, const metrics::Labels& labels) const override;

  void handle(const std::vector<policy::Decision>& decisions);
  /// The agent is stopping: every running action's process group gets SIGTERM, then SIGKILL if
  /// it is still there a second later, and its run is recorded as interrupted. Blocks at most
  /// about a second.
  void shutdown();
  /// Moves verification, approval expiry, deferred actions and escalation notices along.
  void tick();

  /// `approver` is an identity the agent vouches for ("alice (uid 1000)", "token coordinator"):
  /// distinct_approver compares it with the identity that triggered the incident. `name` is what
  /// the timeline shows as "by" (an API caller's own words); empty: the identity.
  Result<void> approve(const std::string& incident_id, const std::string& action,
                       const std::string& approver, const std::string& reason = "",
                       const std::string& name = "");
  Result<void> deny(const std::string& incident_id, const std::string& action,
                    const std::string& who, const std::string& reason,
                    const std::string& name = "");
  Result<void> acknowledge(const std::string& incident_id, const std::string& who);

  /// The incident open for a playbook and label set, if any.
  std::optional<std::string> incidentFor(std::string_view playbook,
                                         const metrics::Labels& labels) const;
  size_t active() const { return incidents_.size(); }
  /// The last failed write to the store, empty once a write succeeds again (for /healthz).
  const std::string& storeError() const { return store_error_; }

 private:
  struct Incident;
  /// Where an incident in flight is: its one state machine. The state it shows (IncidentState:
  /// the store's column, the API, notices) follows from it (shownState), and ends in finish().
  enum class Phase { kOpen, kRunning, kAwaitingApproval, kDeferred, kVerifying };
  static IncidentState shownState(Phase phase);
  /// Moves the incident to `phase`, recording the state it shows when that changes.
  void enter(Incident& inc, Phase phase);
  void handleOne(const policy::Decision& d);
  void tickOne(const std::string& id, TimePoint now);
  void open(const policy::Decision& d);
  /// The incident waiting for an approval of `action`, or why not.
  Result<Incident*> waitingFor(const std::string& incident_id, const std::string& action);
  void startAction(Incident& inc, size_t index);
  void runAction(Incident& inc);
  void actionDone(const std::string& id, int64_t run, actions::RunState state,
                  const std::string& result_json);
  void nextAction(Incident& inc, const std::string& why);
  /// Ends the incident (resolved or escalated) and erases it; an escalated one of a watched
  /// condition stays held (holds) until the condition clears.
  void finish(Incident& inc, IncidentState state, const std::string& reason);
  /// Escalates an incident whose handling failed with an exception, so that it does not hang.
  void handOver(const std::string& id, const std::string& why);
  void noticeSent(const std::string& id, const std::string& templ, actions::ActionOutcome o);
  void event(const Incident& inc, const std::string& kind, const nlohmann::json& data);
  void writeFailed(const std::string& what, const Error& error);
  void writeSucceeded();
  /// Every write's result goes through here: a failure is said once and shown in /healthz.
  template <class T>
  void written(const std::string& what, const Result<T>& r) {
    if (!r)
      writeFailed(what, r.error());
    else
      writeSucceeded();
  }
  /// The values of {incident.*}, {node.*} and {labels.*} for this incident now.
  std::map<std::string, std::string> values(const Incident& inc, const std::string& reason) const;
  /// Sends one of the built-in notices and records the outcome on the timeline.
  void notice(const Incident& inc, const std::string& templ, const std::string& reason);
  nlohmann::json flightRecorder(const policy::Playbook& p, const metrics::Labels& labels,
                                TimePoint now) const;
  const policy::Playbook* playbook(const Incident& inc) const;
  std::string newId(TimePoint now);

  boost::asio::io_context& io_;
  Store& store_;
  const Clock& clock_;
  const metrics::MetricStore& metrics_;
  ManagerOptions options_;
  policy::PolicyPtr policy_;
  policy::Limits limits_;
  bool paused_ = false;
  std::map<std::string, std::unique_ptr<Incident>> incidents_;  ///< active ones, by id
  std::set<std::string> held_;  ///< keys of escalated incidents whose condition has not cleared
  uint64_t counter_ = 0;
  std::string store_error_;
  struct Running {
    std::string incident;
    pid_t pid;
  };
  std::map<int64_t, Running> running_;  ///< exec runs with a live process, by run id
  std::shared_ptr<bool> alive_;         ///< lets process completions know the manager still exists
  std::unique_ptr<boost::asio::thread_pool> workers_;  ///< file work of actions, off the loop
  std::unique_ptr<actions::ActionEnv> env_;
};

}  // namespace novacron::incidents
