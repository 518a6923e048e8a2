#include "base/pattern.h"

#include <cctype>
#include <cstdlib>

namespace novacron {

Result<std::shared_ptr<const Pattern>> Pattern::compile(const std::string& pattern) {
  if (pattern.size() > 1024) return makeError(ErrorCode::kInvalidArgument, "pattern too long");
  // Counted repetition multiplies the automaton: a{1000}{1000} would take the loader's time
  // and memory. Counts up to 64 are plenty for a label.
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') continue;
    size_t j = i + 1;
    while (j < pattern.size() &&
           (std::isdigit(static_cast<unsigned char>(pattern[j])) || pattern[j] == ',')) {
      ++j;
    }
    for (const char* p = pattern.c_str() + i + 1; p < pattern.c_str() + j; ++p) {
      if (std::isdigit(static_cast<unsigned char>(*p)) && std::strtol(p, nullptr, 10) > 64)
        return makeError(ErrorCode::kInvalidArgument, "a repetition count above 64");
    }
  }
  std::shared_ptr<Pattern> p(new Pattern);
  int rc = ::regcomp(&p->re_, ("^(" + pattern + ")$").c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[256];
    ::regerror(rc, &p->re_, why, sizeof(why));
    return makeError(ErrorCode::kInvalidArgument, why);
  }
  p->compiled_ = true;
  return std::shared_ptr<const Pattern>(std::move(p));
}

Pattern::~Pattern() {
  if (compiled_) ::regfree(&re_);
}

bool Pattern::matches(std::string_view value) const {
  // regexec reads a C string: a value with a NUL in it cannot match.
  if (value.find('\0') != std::string_view::npos) return false;
  return ::regexec(&re_, std::string(value).c_str(), 0, nullptr, 0) == 0;
}

}  // namespace novacron
