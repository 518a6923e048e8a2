#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/text_parse.h"

namespace novacron::metrics {

/// The previous reading of N kernel counters per device (interface, block device), turned into
/// per-second rates. The first reading of a device, a counter reset, and a zero time step give
/// no rate; devices that vanish are forgotten by prune().
template <size_t N>
class CounterHistory {
 public:
  using Values = std::array<uint64_t, N>;
  using Rates = std::array<std::optional<double>, N>;

  Rates update(std::string_view key, const Values& cur, TimePoint now) {
    Rates rates{};
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      entries_.emplace(std::string(key), Entry{cur, now});
      return rates;
    }
    Entry& prev = it->second;
    double dt = std::chrono::duration<double>(now - prev.t).count();
    if (dt > 0) {
      for (size_t i = 0; i < N; ++i) {
        if (auto d = counterDelta(prev.values[i], cur[i])) rates[i] = static_cast<double>(*d) / dt;
      }
    }
    prev = Entry{cur, now};
    return rates;
  }

  /// Forgets every device not updated at `now`.
  void prune(TimePoint now) {
    std::erase_if(entries_, [now](auto& e) { return e.second.t != now; });
  }

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Values values;
    TimePoint t;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace novacron::metrics
