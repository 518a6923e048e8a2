#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "policy/condition.h"
#include "policy/playbook.h"

// The runbook's recovery validation: criteria that must (mandatory) or should (recommended)
// hold, evaluated now on the agent's data. `novacron validate`, GET /v1/validate and the
// verification step of every incident use it.
namespace novacron::policy {

/// One criterion as it stands now.
struct CriterionResult {
  std::string name;
  std::string condition;  ///< as written; "not (…)" for a negated one
  bool mandatory = true;
  Tri state = Tri::kUnknown;
  std::string value;      ///< the measured side, in the threshold's unit ("23.5%"); "" if none
  std::string threshold;  ///< "< 70%"; "" when the condition is not one comparison
};

struct Validation {
  std::vector<CriterionResult> criteria;
  /// Of the mandatory criteria: false if one fails, else unknown if one is unknown, else true.
  Tri verdict() const;
  /// 0 when every mandatory criterion holds, 1 when one fails, 2 when one is unknown.
  int exitCode() const;
};

/// The truth of `c` for an incident's `labels`: its entry for them, or its only entry when the
/// condition has no labels (a host-wide condition applies to any incident); otherwise unknown.
Tri holdsFor(const Condition& c, const metrics::Labels& labels, const EvalContext& ctx);

/// Whether the mandatory criteria hold for `labels`, as validate(...).verdict() says, without the
/// values a report shows: what an incident's verification asks at every tick.
Tri mandatoryHold(const std::vector<Criterion>& criteria, const metrics::Labels& labels,
                  const EvalContext& ctx);

/// Evaluates each criterion for `labels` (empty: the host).
Validation validate(const std::vector<Criterion>& criteria, const metrics::Labels& labels,
                    const EvalContext& ctx);

/// A playbook's recovery criteria: verify.mandatory and verify.recommended; without mandatory
/// ones, its resolve condition (resolve_when, or `when` negated). Empty for a playbook with
/// neither (started by hand, nothing to watch).
std::vector<Criterion> verificationCriteria(const Playbook& p);

/// The runbook's host criteria, as condition text, mandatory or recommended as its success
/// criteria say: error rate < 0.1 % and p99 latency < 500 ms must hold; CPU < 70 %, memory
/// < 80 %, database connections < 80 % and cache hit ratio > 95 % should. The caller keeps
/// those whose metrics a source provides (and adds "no open incident", which is no metric).
struct CriterionText {
  const char* name;
  const char* condition;
  bool mandatory;
  bool application;  ///< its metrics must be an application's (scraped), not the agent's own
};
std::vector<CriterionText> runbookHostCriteria();

/// {"verdict": "pass|fail|unknown", "exit_code", "criteria": [{name, condition, mandatory,
/// state: "pass|fail|unknown", value, threshold}]}
nlohmann::json validationJson(const Validation& v);

}  // namespace novacron::policy
