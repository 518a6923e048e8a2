#pragma once

#include <regex.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron::policy {

/// A label matcher's `=~` pattern: POSIX extended syntax through the C library's matcher, which
/// does not backtrack and so stays bounded on long, hostile label values. Anchored at both ends,
/// as in PromQL: `code=~"5.."` matches 500, not 1500.
struct LabelPattern {
  static Result<std::shared_ptr<const LabelPattern>> compile(const std::string& pattern);
  ~LabelPattern();
  LabelPattern(const LabelPattern&) = delete;
  LabelPattern& operator=(const LabelPattern&) = delete;
  bool matches(std::string_view value) const;

 private:
  LabelPattern() = default;
  regex_t re_{};
  bool compiled_ = false;
};

}  // namespace novacron::policy
