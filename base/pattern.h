#pragma once

#include <regex.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron {

/// A regular expression from a playbook or the configuration (a label matcher's `=~`, a scrape
/// target's metric allow-list): POSIX extended syntax through the C library's matcher, which does
/// not backtrack and so stays bounded on long, hostile values. Anchored at both ends, as in
/// PromQL: `5..` matches 500, not 1500.
struct Pattern {
  static Result<std::shared_ptr<const Pattern>> compile(const std::string& pattern);
  ~Pattern();
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;
  bool matches(std::string_view value) const;

 private:
  Pattern() = default;
  regex_t re_{};
  bool compiled_ = false;
};

}  // namespace novacron
