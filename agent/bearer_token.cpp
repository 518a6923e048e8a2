#include "agent/bearer_token.h"

#include <sys/stat.h>

#include "actions/secret.h"
#include "agent/base/log.h"

namespace novacron::agent {

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer one is visited; the lengths' difference is folded in.
  size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0 && n > 0;
}

BearerToken::BearerToken(std::optional<std::filesystem::path> file) { setFile(std::move(file)); }

void BearerToken::setFile(std::optional<std::filesystem::path> file) {
  file_ = std::move(file);
  token_.clear();
  error_.clear();
  stamp_ = {};
  if (file_) refresh();
}

void BearerToken::refresh() {
  struct stat st {};
  if (::stat(file_->c_str(), &st) != 0) {
    if (error_.empty() || !token_.empty()) {
      logError("http: the token file " + file_->string() +
               " is missing; the /v1 API refuses every request");
    }
    token_.clear();
    error_ = "the token file " + file_->string() + " is missing";
    stamp_ = {};
    return;
  }
  Stamp now{st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec, static_cast<long>(st.st_ino),
            static_cast<long>(st.st_size)};
  if (now == stamp_) return;
  stamp_ = now;
  auto t = actions::readSecret(*file_);
  if (!t) {
    logError("http: " + t.error().message + "; the /v1 API refuses every request");
    token_.clear();
    error_ = t.error().message;
    return;
  }
  token_ = std::move(*t);
  error_.clear();
}

BearerToken::Check BearerToken::check(std::string_view authorization) {
  if (!file_) return Check::kDisabled;
  refresh();
  if (token_.empty()) return Check::kUnavailable;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                  [](char x, char y) { return std::tolower(x) == std::tolower(y); })) {
    return Check::kMissing;
  }
  return constantTimeEquals(authorization.substr(kScheme.size()), token_) ? Check::kOk
                                                                          : Check::kWrong;
}

}  // namespace novacron::agent
