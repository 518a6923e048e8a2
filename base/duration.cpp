#include "base/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace novacron {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};
// Longest suffix first, so that "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ms", 1},        {"s", 1000},       {"m", 60'000},
                           {"h", 3'600'000}, {"d", 86'400'000}, {"w", 604'800'000}};

}  // namespace

Result<milliseconds> parseDuration(std::string_view text) {
  auto bad = [&](std::string why) {
    return makeError(ErrorCode::kMalformed,
                     "bad duration '" + std::string(text) + "': " + why +
                         " (write a number and a unit: 500ms, 10s, 5m, 1h, 1d)");
  };
  if (text.empty()) return bad("empty");
  int64_t total = 0;
  size_t last_rank = std::size(kUnits);
  std::string_view rest = text;
  while (!rest.empty()) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || p == rest.data()) return bad("expected a number");
    if (n < 0) return bad("negative");
    rest.remove_prefix(static_cast<size_t>(p - rest.data()));
    size_t rank = std::size(kUnits);
    for (size_t i = 0; i < std::size(kUnits); ++i) {
      if (rest.starts_with(kUnits[i].suffix)) {
        rank = i;
        break;
      }
    }
    if (rank == std::size(kUnits)) return bad(rest.empty() ? "missing unit" : "unknown unit");
    // Units must go from large to small, each at most once: "1h30m", not "30m1h".
    if (last_rank != std::size(kUnits) && kUnits[rank].ms >= kUnits[last_rank].ms) {
      return bad("units out of order");
    }
    last_rank = rank;
    if (n > (std::numeric_limits<int64_t>::max() - total) / kUnits[rank].ms)
      return bad("too large");
    total += n * kUnits[rank].ms;
    rest.remove_prefix(kUnits[rank].suffix.size());
  }
  return milliseconds{total};
}

std::string formatDuration(milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (size_t i = std::size(kUnits); i-- > 0;) {
    // Weeks read badly in logs; stop at days.
    if (kUnits[i].suffix == "w") continue;
    int64_t n = ms / kUnits[i].ms;
    if (n == 0) continue;
    out += std::to_string(n);
    out += kUnits[i].suffix;
    ms -= n * kUnits[i].ms;
  }
  return out;
}

}  // namespace novacron
