#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "metrics/metric_store.h"
#include "policy/playbook.h"

namespace novacron::policy {

enum class DecisionKind {
  kOpen,      ///< a condition held for its `for`: an incident opens
  kEscalate,  ///< escalate_when held: the incident's severity rises
  kResolve,   ///< the resolve condition held for the `for` duration
  kFlapping,  ///< opened and resolved too often: no new actions until it settles
  kSettled,   ///< no longer flapping
};
std::string_view decisionName(DecisionKind kind);

/// What the evaluator saw: a condition's transitions. It never does anything itself; the incident
/// manager does, and chooses each incident's steps (its first included).
struct Decision {
  DecisionKind kind;
  TimePoint at;
  std::string playbook;
  metrics::Labels labels;  ///< the label set the incident is about ({} for host-wide)
  int severity = 0;
  std::string reason;  ///< one sentence for the timeline
  bool dry_run = false;
  /// For kOpen: when the condition started to hold (the detection time is `at` minus this).
  TimePoint since{};
  /// For kOpen by hand: who triggered it ("alice (uid 1000)"); empty when the policy did.
  std::string by = {};
  /// For kOpen: it opened while flapping, so no step starts until it settles.
  bool flapping = false;
};

struct EvaluatorOptions {
  milliseconds lookback{std::chrono::seconds(30)};
  /// More than `flap_threshold` opens and resolves within `flap_window` is flapping.
  milliseconds flap_window{std::chrono::minutes(30)};
  int flap_threshold = 4;
  bool dry_run = false;
};

/// Who holds the incidents the evaluator's decisions open: the incident manager. The evaluator
/// asks it rather than being told: an incident that ended there (verified, handed over, never
/// recorded) ends here at the next evaluation or trigger, and its condition must then hold for its
/// `for` again to open it again.
class IncidentOwner {
 public:
  virtual ~IncidentOwner() = default;
  /// True while an incident of `playbook` for `labels` is open there, or held open (escalated
  /// while its condition still holds, so that it does not open again at once).
  virtual bool holds(std::string_view playbook, const metrics::Labels& labels) const = 0;
};

/// Evaluates every enabled playbook against the metric store each cycle and emits decisions on
/// transitions only. `for` hysteresis: a condition must hold continuously for its duration to
/// open, and the resolve condition for the same duration to resolve; unknown data (a missing or
/// stale series) resets both, so nothing opens or resolves on data the agent does not have. No
/// host I/O; event-loop only.
class Evaluator {
 public:
  Evaluator(PolicyPtr policy, EvaluatorOptions options);

  /// Swaps in a new policy. Incidents of playbooks that still exist keep their state; those of
  /// removed or disabled playbooks are forgotten (the incident manager closes them).
  void setPolicy(PolicyPtr policy);
  void setOptions(const EvaluatorOptions& options) { options_ = options; }
  /// The owner of the incidents (null: the evaluator's own view stands, as in a replay).
  void setOwner(const IncidentOwner* owner) { owner_ = owner; }
  const PolicySet& policy() const { return *policy_; }
  const PolicyPtr& policyPtr() const { return policy_; }

  std::vector<Decision> evaluate(const metrics::MetricStore& store, TimePoint now);

  /// Opens an incident by hand (`novacron trigger`). Errors: unknown or disabled playbook, or
  /// one already open for these labels.
  Result<std::vector<Decision>> trigger(std::string_view playbook, metrics::Labels labels,
                                        const std::string& reason, TimePoint now);

  /// Closes an incident when there is no owner to ask (a replay, a test): the condition must then
  /// hold again for its `for` to reopen it. False if it was not open.
  bool close(std::string_view playbook, const metrics::Labels& labels);

  /// Incidents open right now (those the owner, when there is one, holds).
  struct Open {
    std::string playbook;
    metrics::Labels labels;
    int severity;
    TimePoint since;
    bool flapping;
  };
  std::vector<Open> open() const;

 private:
  struct Instance {
    enum class Phase { kIdle, kPending, kFiring } phase = Phase::kIdle;
    TimePoint pending_since{};
    TimePoint fired_at{};
    bool resolving = false;
    TimePoint resolve_since{};
    int severity = 0;
    bool escalated = false;
    bool manual = false;
    std::deque<TimePoint> transitions;
    bool flapping = false;
  };
  using Instances = std::map<metrics::Labels, Instance>;

  // The escalate and resolve conditions of one playbook, evaluated at most once a cycle.
  struct FiringChecks {
    const EvalContext& ctx;
    std::optional<Truth> escalate, resolve;
  };

  void evaluatePlaybook(const Playbook& p, const EvalContext& ctx, std::vector<Decision>& out);
  /// Idle or pending: opens when `when` has held for the playbook's `for`.
  void stepQuiet(const Playbook& p, const metrics::Labels& labels, Tri truth, Instance& inst,
                 TimePoint now, std::vector<Decision>& out);
  /// Open: escalates, then resolves when the resolve condition has held for `for`.
  void stepFiring(const Playbook& p, const metrics::Labels& labels, Tri truth, Instance& inst,
                  FiringChecks& checks, std::vector<Decision>& out);
  void forgetQuiet(TimePoint now, std::vector<Decision>& out);
  /// Closes what is open here and no longer held by the owner.
  void askOwner();
  void fire(const Playbook& p, const metrics::Labels& labels, Instance& inst, TimePoint now,
            const std::string& reason, std::vector<Decision>& out);
  void noteTransition(const Playbook& p, const metrics::Labels& labels, Instance& inst,
                      TimePoint now, std::vector<Decision>& out);
  Decision make(DecisionKind kind, const Playbook& p, const metrics::Labels& labels, int severity,
                TimePoint now, std::string reason) const;

  PolicyPtr policy_;
  EvaluatorOptions options_;
  const IncidentOwner* owner_ = nullptr;
  // By playbook name, then label set: one lookup per playbook per cycle, none per series.
  std::map<std::string, Instances, std::less<>> instances_;
};

}  // namespace novacron::policy
