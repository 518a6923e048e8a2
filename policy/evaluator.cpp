#include "policy/evaluator.h"

#include "base/duration.h"

namespace novacron::policy {

using metrics::Labels;

std::string_view decisionName(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::kOpen:
      return "open";
    case DecisionKind::kEscalate:
      return "escalate";
    case DecisionKind::kResolve:
      return "resolve";
    case DecisionKind::kFlapping:
      return "flapping";
    case DecisionKind::kSettled:
      return "settled";
  }
  return "?";
}

Evaluator::Evaluator(PolicyPtr policy, EvaluatorOptions options)
    : policy_(std::move(policy)), options_(options) {}

void Evaluator::setPolicy(PolicyPtr policy) {
  policy_ = std::move(policy);
  std::erase_if(instances_, [&](const auto& kv) {
    const Playbook* p = policy_->find(kv.first);
    return !p || !p->enabled;
  });
}

Decision Evaluator::make(DecisionKind kind, const Playbook& p, const Labels& labels, int severity,
                         TimePoint now, std::string reason) const {
  return Decision{kind, now, p.name, labels, severity, std::move(reason), options_.dry_run, now};
}

void Evaluator::noteTransition(const Playbook& p, const Labels& labels, Instance& inst,
                               TimePoint now, std::vector<Decision>& out) {
  inst.transitions.push_back(now);
  while (!inst.transitions.empty() && inst.transitions.front() < now - options_.flap_window) {
    inst.transitions.pop_front();
  }
  if (!inst.flapping && static_cast<int>(inst.transitions.size()) > options_.flap_threshold) {
    inst.flapping = true;
    out.push_back(make(DecisionKind::kFlapping, p, labels, inst.severity, now,
                       std::to_string(inst.transitions.size()) + " opens and resolves within " +
                           formatDuration(options_.flap_window) +
                           "; no new actions until it settles"));
  }
}

void Evaluator::fire(const Playbook& p, const Labels& labels, Instance& inst, TimePoint now,
                     const std::string& reason, std::vector<Decision>& out) {
  inst.phase = Instance::Phase::kFiring;
  inst.fired_at = now;
  inst.resolving = false;
  inst.severity = p.severity;
  inst.escalated = false;
  Decision open = make(DecisionKind::kOpen, p, labels, inst.severity, now, reason);
  if (!inst.manual && inst.pending_since.time_since_epoch().count() != 0)
    open.since = inst.pending_since;
  size_t at = out.size();
  out.push_back(std::move(open));
  noteTransition(p, labels, inst, now, out);
  out[at].flapping = inst.flapping;
}

void Evaluator::askOwner() {
  if (!owner_) return;
  for (auto& [name, instances] : instances_) {
    for (auto& [labels, inst] : instances) {
      if (inst.phase == Instance::Phase::kFiring && !owner_->holds(name, labels)) {
        inst.phase = Instance::Phase::kIdle;
        inst.resolving = false;
      }
    }
  }
}

namespace {

// The truth of `labels` in `t`; a condition without labels speaks for every label set.
std::optional<Tri> truthFor(const Truth& t, const Labels& labels) {
  if (const Tri* found = findTruth(t, labels)) return *found;
  if (t.size() == 1 && t.front().first.empty()) return t.front().second;
  return std::nullopt;
}

std::string heldFor(const Playbook& p) {
  return p.for_duration.count() ? " held for " + formatDuration(p.for_duration) : "";
}

}  // namespace

std::vector<Decision> Evaluator::evaluate(const metrics::MetricStore& store, TimePoint now) {
  std::vector<Decision> out;
  askOwner();
  EvalContext ctx{store, now, options_.lookback};
  for (const Playbook& p : policy_->playbooks) {
    if (p.enabled && p.when) evaluatePlaybook(p, ctx, out);
  }
  forgetQuiet(now, out);
  return out;
}

void Evaluator::evaluatePlaybook(const Playbook& p, const EvalContext& ctx,
                                 std::vector<Decision>& out) {
  Truth when = p.when->evaluate(ctx);
  auto existing = instances_.find(p.name);
  // Most label sets are quiet most of the time: they get no state until they turn true.
  bool any_true = false;
  for (const auto& entry : when) any_true = any_true || entry.second == Tri::kTrue;
  if (existing == instances_.end()) {
    if (!any_true) return;
    existing = instances_.emplace(p.name, Instances{}).first;
  }
  Instances& instances = existing->second;
  // Label sets with state but no value this cycle are unknown.
  for (const auto& [labels, inst] : instances) {
    if (!findTruth(when, labels)) when.emplace_back(labels, Tri::kUnknown);
  }
  // The other conditions are evaluated once per cycle, and only when an incident is open.
  FiringChecks checks{ctx, {}, {}};
  for (const auto& [labels, truth] : when) {
    auto found = instances.find(labels);
    if (found == instances.end()) {
      if (truth != Tri::kTrue) continue;
      found = instances.emplace(labels, Instance{}).first;
    }
    if (found->second.phase == Instance::Phase::kFiring)
      stepFiring(p, labels, truth, found->second, checks, out);
    else
      stepQuiet(p, labels, truth, found->second, ctx.now, out);
  }
}

void Evaluator::stepQuiet(const Playbook& p, const Labels& labels, Tri truth, Instance& inst,
                          TimePoint now, std::vector<Decision>& out) {
  if (truth != Tri::kTrue) {
    inst.phase = Instance::Phase::kIdle;
    return;
  }
  if (inst.phase == Instance::Phase::kIdle) {
    inst.phase = Instance::Phase::kPending;
    inst.pending_since = now;
  }
  if (now - inst.pending_since >= p.for_duration)
    fire(p, labels, inst, now, p.when->text() + heldFor(p), out);
}

void Evaluator::stepFiring(const Playbook& p, const Labels& labels, Tri truth, Instance& inst,
                           FiringChecks& checks, std::vector<Decision>& out) {
  const TimePoint now = checks.ctx.now;
  if (p.escalate_when && !inst.escalated) {
    if (!checks.escalate) checks.escalate = p.escalate_when->evaluate(checks.ctx);
    if (truthFor(*checks.escalate, labels) == Tri::kTrue && p.escalate_to < inst.severity) {
      inst.escalated = true;
      inst.severity = p.escalate_to;
      out.push_back(make(DecisionKind::kEscalate, p, labels, inst.severity, now,
                         "severity raised to SEV-" + std::to_string(inst.severity) + ": " +
                             p.escalate_when->text()));
    }
  }
  Tri r = triNot(truth);
  if (p.resolve_when) {
    if (!checks.resolve) checks.resolve = p.resolve_when->evaluate(checks.ctx);
    r = truthFor(*checks.resolve, labels).value_or(Tri::kUnknown);
  }
  if (r != Tri::kTrue) {
    inst.resolving = false;
    return;
  }
  if (!inst.resolving) {
    inst.resolving = true;
    inst.resolve_since = now;
  }
  if (now - inst.resolve_since >= p.for_duration) {
    inst.phase = Instance::Phase::kIdle;
    inst.resolving = false;
    std::string why = p.resolve_when ? p.resolve_when->text() : "not (" + p.when->text() + ")";
    out.push_back(make(DecisionKind::kResolve, p, labels, inst.severity, now, why + heldFor(p)));
    noteTransition(p, labels, inst, now, out);
  }
}

// Flapping ends after a quiet window; idle instances with no history are dropped.
void Evaluator::forgetQuiet(TimePoint now, std::vector<Decision>& out) {
  for (auto pit = instances_.begin(); pit != instances_.end();) {
    const Playbook* p = policy_->find(pit->first);
    for (auto it = pit->second.begin(); it != pit->second.end();) {
      Instance& inst = it->second;
      while (!inst.transitions.empty() && inst.transitions.front() < now - options_.flap_window) {
        inst.transitions.pop_front();
      }
      if (inst.flapping && inst.transitions.empty()) {
        inst.flapping = false;
        if (p) {
          out.push_back(make(DecisionKind::kSettled, *p, it->first, inst.severity, now,
                             "no opens or resolves for " + formatDuration(options_.flap_window)));
        }
      }
      if (inst.phase == Instance::Phase::kIdle && inst.transitions.empty() && !inst.flapping) {
        it = pit->second.erase(it);
      } else {
        ++it;
      }
    }
    pit = pit->second.empty() ? instances_.erase(pit) : std::next(pit);
  }
}

Result<std::vector<Decision>> Evaluator::trigger(std::string_view playbook, Labels labels,
                                                 const std::string& reason, TimePoint now) {
  const Playbook* p = policy_->find(playbook);
  if (!p)
    return makeError(ErrorCode::kNotFound, "no playbook named '" + std::string(playbook) + "'");
  if (!p->enabled)
    return makeError(ErrorCode::kInvalidArgument, "playbook '" + p->name + "' is disabled");
  metrics::sortLabels(labels);
  askOwner();
  Instance& inst = instances_[p->name][labels];
  if (inst.phase == Instance::Phase::kFiring) {
    return makeError(ErrorCode::kInvalidArgument,
                     "playbook '" + p->name + "' is already open for these labels");
  }
  inst.manual = true;
  std::vector<Decision> out;
  fire(*p, labels, inst, now, "triggered by hand" + (reason.empty() ? "" : ": " + reason), out);
  return out;
}

bool Evaluator::close(std::string_view playbook, const Labels& labels) {
  Labels sorted = labels;
  metrics::sortLabels(sorted);
  auto pit = instances_.find(playbook);
  if (pit == instances_.end()) return false;
  auto it = pit->second.find(sorted);
  if (it == pit->second.end() || it->second.phase != Instance::Phase::kFiring) return false;
  it->second.phase = Instance::Phase::kIdle;
  it->second.resolving = false;
  return true;
}

std::vector<Evaluator::Open> Evaluator::open() const {
  std::vector<Open> out;
  for (const auto& [name, instances] : instances_) {
    for (const auto& [labels, inst] : instances) {
      // Between evaluations the owner's word is the one that counts.
      if (inst.phase == Instance::Phase::kFiring && (!owner_ || owner_->holds(name, labels)))
        out.push_back({name, labels, inst.severity, inst.fired_at, inst.flapping});
    }
  }
  return out;
}

}  // namespace novacron::policy
