#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "base/clock.h"
#include "policy/playbook.h"

namespace novacron::policy {

/// Why an action may not start now, or nullopt if it may.
struct Refusal {
  std::string budget;  ///< which one: kill_switch, actions.max_concurrent, actions.max_per_hour,
                       ///< limits.cooldown or limits.max_runs_per_hour
  std::string reason;  ///< one sentence, naming the budget
  std::optional<TimePoint> retry_at;  ///< when it could start, if waiting helps
};

/// The budgets between a decision and a process. A playbook's budgets count *remediations* —
/// an incident (or a returning one) starting its action list — so that one incident can always
/// run its whole playbook while a storm of re-openings is held back:
/// - `limits.cooldown`: a returning incident's first action waits this long after the previous
///   one's last action, doubling while it keeps coming back;
/// - `limits.max_runs_per_hour`: remediations of the playbook over a sliding hour of real start
///   times (never a counter reset by a state change).
/// Host-wide, whatever the playbook: the kill switch, `actions.max_concurrent` actions at once,
/// and `actions.max_per_hour` action starts over a sliding hour, the last guard. No I/O; the
/// incident manager asks before every start and reports every start and end.
class Limits {
 public:
  struct Options {
    int max_concurrent = 2;
    /// The cooldown grows by this factor for each consecutive return of the same incident...
    double cooldown_growth = 2.0;
    /// ...up to this, and is back to the playbook's base after a quiet period this long.
    milliseconds max_cooldown{std::chrono::hours(6)};
    milliseconds forget_after{std::chrono::hours(24)};
    /// Action starts on this host per sliding hour, every playbook and step together.
    int max_per_hour = 60;
  };

  explicit Limits(Options options) : options_(options) {}
  Limits() : Limits(Options{}) {}
  /// New options (a reload); runs and cooldowns so far are kept.
  void setOptions(Options options) { options_ = options; }

  /// May an action of this playbook start now for this incident key (playbook plus labels)?
  /// `paused` is the kill switch (an approved action passes it).
  std::optional<Refusal> check(const Playbook& playbook, const std::string& key, TimePoint now,
                               bool paused) const;

  /// Records that an action started / ended.
  void started(const Playbook& playbook, const std::string& key, TimePoint now);
  void finished();

  /// An incident of this key opened: its first action will be a new remediation, and the
  /// cooldown that applies to it grows if the previous one resolved recently.
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
    bool acted_in_incident = false;  ///< the current incident's remediation has started
  };
  /// The oldest time in `q` within the hour before `now`, and how many there are.
  static std::pair<size_t, TimePoint> inLastHour(const std::deque<TimePoint>& q, TimePoint now);
  Options options_;
  std::map<std::string, std::deque<TimePoint>> remediations_;  ///< per playbook, last hour
  std::deque<TimePoint> starts_;                               ///< every action, last hour
  std::map<std::string, KeyState> keys_;
  int running_ = 0;
};

}  // namespace novacron::policy
