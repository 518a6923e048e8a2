#include "agent/api/bearer_token.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "base/log.h"
#include "base/secret.h"

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
  std::vector<NamedToken> tokens;
  if (file) tokens.push_back({"api", *file});
  setTokens(std::move(tokens));
}

void BearerToken::setTokens(std::vector<NamedToken> tokens) {
  tokens_.clear();
  for (auto& t : tokens) {
    tokens_.push_back(Entry{std::move(t), "", "", {}});
    refresh(tokens_.back());
  }
}

void BearerToken::refresh(Entry& e) {
  const std::string& file = e.token.file.string();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (e.error.empty() || !e.value.empty()) {
      logError("http: the token file " + file + " is missing; token " + e.token.name +
               " admits nobody");
    }
    e.value.clear();
    e.error = "the token file " + file + " is missing";
    e.stamp = {};
    return;
  }
  Entry::Stamp now{st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec,
                   static_cast<long>(st.st_ino), static_cast<long>(st.st_size),
                   static_cast<long>(st.st_mode)};
  if (now == e.stamp) return;
  e.stamp = now;
  auto t = readSecret(e.token.file);
  if (!t) {
    logError("http: " + t.error().message + "; token " + e.token.name + " admits nobody");
    e.value.clear();
    e.error = t.error().message;
    return;
  }
  e.value = std::move(*t);
  e.error.clear();
}

BearerToken::Check BearerToken::check(std::string_view authorization, std::string* name) {
  if (tokens_.empty()) return Check::kDisabled;
  bool any = false;
  for (auto& e : tokens_) {
    refresh(e);
    any = any || !e.value.empty();
  }
  if (!any) return Check::kUnavailable;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                  [](char x, char y) { return std::tolower(x) == std::tolower(y); })) {
    return Check::kMissing;
  }
  std::string_view given = authorization.substr(kScheme.size());
  // Every token is compared, so the time taken does not say which one matched.
  const Entry* match = nullptr;
  for (const auto& e : tokens_) {
    if (!e.value.empty() && constantTimeEquals(given, e.value) && !match) match = &e;
  }
  if (!match) return Check::kWrong;
  if (name) *name = match->token.name;
  return Check::kOk;
}

std::string BearerToken::error() const {
  for (const auto& e : tokens_) {
    if (!e.error.empty()) return e.error;
  }
  return {};
}

}  // namespace novacron::agent
