#include "collectors/redis/redis_info.h"

#include <charconv>

namespace novacron::collectors {

namespace {

constexpr size_t kMaxFields = 4096;
constexpr size_t kMaxKey = 64;
constexpr size_t kMaxValue = 4096;

std::optional<double> number(std::string_view s) {
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return d;
}

}  // namespace

RedisInfo parseRedisInfo(std::string_view text) {
  RedisInfo out;
  while (!text.empty() && out.size() < kMaxFields) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon > kMaxKey) continue;
    std::string_view value = line.substr(colon + 1);
    if (value.size() > kMaxValue) continue;
    out.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  return out;
}

std::optional<double> infoNumber(const RedisInfo& info, std::string_view key) {
  auto it = info.find(key);
  if (it == info.end()) return std::nullopt;
  return number(it->second);
}

std::map<std::string, double, std::less<>> infoSubfields(std::string_view value) {
  std::map<std::string, double, std::less<>> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view part = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == 0 || eq == std::string_view::npos) continue;
    if (auto n = number(part.substr(eq + 1))) out.emplace(std::string(part.substr(0, eq)), *n);
  }
  return out;
}

std::optional<double> redisVersionNumber(std::string_view version) {
  double out = 0;
  for (int i = 0; i < 3; ++i) {
    size_t dot = version.find('.');
    std::string_view part = version.substr(0, dot);
    int n = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (ec != std::errc() || p != part.data() + part.size() || n < 0 || n > 99) return std::nullopt;
    out = out * 100 + n;
    if (dot == std::string_view::npos) {
      if (i != 2) return std::nullopt;
      break;
    }
    version = version.substr(dot + 1);
  }
  return out;
}

}  // namespace novacron::collectors
