#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/yaml/diagnostic.h"
#include "policy/action_schema.h"
#include "policy/condition.h"
#include "policy/playbook.h"

namespace novacron::policy {

/// The text of one playbook file: a playbook (a map) or a list of them.
struct PlaybookSource {
  std::string file;  ///< named in diagnostics; "<builtin>/x.yaml" for the embedded ones
  std::string text;
  bool builtin = false;
};

struct PolicyLoadOptions {
  MetricLookup metrics;            ///< the metric catalog conditions are checked against
  bool enforce_ownership = false;  ///< running as root: files and the directory must be root's
  ActionCatalog actions = {};      ///< the action types (actions::actionCatalog())
  std::string secret_reader;       ///< as root: the user who must read the secret files named
};

struct PolicyLoad {
  PolicyPtr policy;  ///< set when there are no errors
  Diagnostics errors;
  Diagnostics warnings;  ///< reported; they do not stop the playbooks from loading
};

/// The playbooks compiled into the agent (policy/playbooks/*.yaml).
std::span<const PlaybookSource> builtinPlaybooks();

/// Parses and validates one file. Every problem is reported, positioned; a playbook with errors
/// is left out of the result.
std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     ActionCatalog actions, Diagnostics& errors,
                                     Diagnostics* warnings, const std::string& secret_reader = "");
std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     ActionCatalog actions, Diagnostics& errors);

/// The built-ins, then every *.yaml file of `dir` in name order: a playbook with a built-in's
/// name replaces it, `{name: x, enabled: false}` switches one off. Any error anywhere fails the
/// whole load, so that a reload never runs half a policy.
PolicyLoad loadPolicy(std::span<const PlaybookSource> builtins,
                      const std::optional<std::filesystem::path>& dir,
                      const PolicyLoadOptions& options);

}  // namespace novacron::policy
