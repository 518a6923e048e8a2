#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>

#include "policy/evaluator.h"

namespace novacron::agent {

struct ReplayOptions {
  std::optional<std::filesystem::path> playbooks_dir;
  std::filesystem::path metrics;
  bool with_builtins = false;
  policy::EvaluatorOptions evaluator;
};

/// `novacron-agent replay`: runs the evaluator over recorded samples and prints, in time order,
/// when each incident would have opened, which actions would have run or waited for approval,
/// and when it would have resolved. Runs nothing. Returns the process exit status.
int runReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

/// `name{a="1",b="2"}`, or just `name` without labels.
std::string withLabels(const std::string& name, const metrics::Labels& labels);

}  // namespace novacron::agent
