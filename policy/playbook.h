#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/resource_limits.h"
#include "policy/condition.h"
#include "policy/label_types.h"
#include "policy/severity.h"

namespace novacron::policy {

/// Where something was defined, for messages that point back at the file.
struct SourcePos {
  std::string file;
  int line = 1;
  int column = 1;
  std::string str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

struct ApprovalSpec {
  /// The approver must be someone other than whoever triggered the incident.
  bool distinct_approver = false;
  /// An approval not given in time expires to a denial. Default: the agent's approval_timeout.
  std::optional<milliseconds> timeout;
};

struct ActionSpec {
  std::string id;
  std::string type;
  nlohmann::json with = nlohmann::json::object();  ///< type-specific parameters
  bool automated = false;                          ///< false: waits for a human approval
  ApprovalSpec approval;
  milliseconds timeout{std::chrono::minutes(2)};
  /// Limits of the run's cgroup, for the types that start processes.
  io::ResourceLimits resources;
  /// The step runs only if this holds when its turn comes; otherwise it is skipped (and
  /// recorded so) without asking for an approval: e.g. a cache clear where there is a cache.
  std::optional<Condition> only_if;
  SourcePos pos;
};

struct VerifySpec {
  /// How long the criteria must hold after an action.
  milliseconds window{std::chrono::minutes(5)};
  std::vector<Condition> mandatory;    ///< all must hold; empty: the resolve condition must
  std::vector<Condition> recommended;  ///< reported, not required
};

/// A recovery criterion (policy/validation.h): a condition that must (mandatory) or should hold.
struct Criterion {
  std::string name;
  Condition condition;
  bool mandatory = true;
  bool negated = false;  ///< holds while the condition is false (a playbook's `when`)
  /// Left out of a report while none of its metrics has a series: the runbook's defaults apply
  /// only where a source provides them.
  bool needs_data = false;
};

struct LimitsSpec {
  milliseconds cooldown{std::chrono::minutes(10)};
  int max_runs_per_hour = 3;
};

/// One recovery playbook. Immutable once loaded; shared by the evaluator and the incidents.
struct Playbook {
  std::string name;
  int severity = 3;
  Category category = Category::kInfrastructure;
  std::string description;
  bool enabled = true;
  std::optional<Condition> when;  ///< none: started by hand only
  milliseconds for_duration{0};
  std::optional<Condition> resolve_when;  ///< none: `when` false for the same duration
  std::optional<Condition> escalate_when;
  int escalate_to = 0;  ///< the severity when escalate_when holds (lower is worse)
  VerifySpec verify;
  std::vector<ActionSpec> actions;
  LimitsSpec limits;
  std::map<std::string, std::string> labels;
  /// What each label its actions use must be (label_types:); an undeclared one is a kName.
  LabelTypes label_types;
  /// Its `when` looks at an application's scraped metrics: an incident it opens has labels an
  /// application chose, which reach an action that needs root only where declared from_scrape.
  bool application_labels = false;
  SourcePos pos;
  bool builtin = false;
  /// The metrics its conditions look at: when, resolve_when, escalate_when, verify.mandatory.
  std::set<std::string> metrics() const;
};

/// The playbooks in force, built-ins with the operator's overrides applied.
struct PolicySet {
  std::vector<Playbook> playbooks;  ///< sorted by name; disabled ones included
  /// The host's recovery criteria (config `validation:`, or the runbook's).
  std::vector<Criterion> host_criteria;
  /// `sha256:HEX` of the texts the playbooks were read from (built-in and files, in order).
  std::string digest;
  const Playbook* find(std::string_view name) const;
};

using PolicyPtr = std::shared_ptr<const PolicySet>;

}  // namespace novacron::policy
