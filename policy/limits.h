#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "agent/base/clock.h"
#include "policy/playbook.h"

namespace novacron::policy {

/// Why an action may not start now, or nullopt if it may.
struct Refusal {
  std::string reason;
  std::optional<TimePoint> retry_at;  ///< when it could start, if waiting helps
};

/// The guards between a decision and a process: per-playbook cooldown before the first action of
/// an incident that returns (doubling while it keeps coming back; the later steps of one incident
/// are not held back by it), runs per hour counted over a sliding window of real start times
/// (never a counter reset by a state change), a global cap on concurrent actions, and the kill
/// switch. No I/O; the incident manager asks before every start and reports every start and end.
class Limits {
 public:
  struct Options {
    int max_concurrent = 2;
    /// The cooldown grows by this factor for each consecutive return of the same incident...
    double cooldown_growth = 2.0;
    /// ...up to this, and is back to the playbook's base after a quiet period this long.
    milliseconds max_cooldown{std::chrono::hours(6)};
    milliseconds forget_after{std::chrono::hours(24)};
  };

  explicit Limits(Options options) : options_(options) {}
  Limits() : Limits(Options{}) {}
  /// New options (a reload); runs and cooldowns so far are kept.
  void setOptions(Options options) { options_ = options; }

  /// May an automated action of this playbook start now for this incident key (playbook plus
  /// labels)? `paused` is the kill switch; manual approvals bypass only the cooldown of a re-run.
  std::optional<Refusal> check(const Playbook& playbook, const std::string& key, TimePoint now,
                               bool paused) const;

  /// Records that an action started / ended.
  void started(const Playbook& playbook, const std::string& key, TimePoint now);
  void finished();

  /// An incident of this key opened: the cooldown that applies to its actions grows if the
  /// previous one resolved recently.
  void opened(const Playbook& playbook, const std::string& key, TimePoint now);
  void resolved(const std::string& key, TimePoint now);

  int running() const { return running_; }
  /// The cooldown in force for this key now.
  milliseconds cooldown(const Playbook& playbook, const std::string& key) const;

 private:
  struct KeyState {
    std::optional<TimePoint> last_action;
    std::optional<TimePoint> last_resolved;
    int returns = 0;                 ///< consecutive reopenings within the cooldown window
    bool acted_in_incident = false;  ///< an action of the current incident has started
  };
  Options options_;
  std::map<std::string, std::deque<TimePoint>> runs_;  ///< start times per playbook, last hour
  std::map<std::string, KeyState> keys_;
  int running_ = 0;
};

}  // namespace novacron::policy
