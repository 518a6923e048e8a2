#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace novacron {

/// Splits text into lines without copying. The last line need not end in '\n'.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    size_t nl = rest_.find('\n');
    line = rest_.substr(0, nl);
    rest_ = nl == std::string_view::npos ? std::string_view{} : rest_.substr(nl + 1);
    return true;
  }

 private:
  std::string_view rest_;
};

/// Splits one line into whitespace-separated fields without copying.
class FieldCursor {
 public:
  explicit FieldCursor(std::string_view line) : rest_(line) {}

  /// The next field, or an empty view at the end of the line.
  std::string_view next() {
    size_t b = rest_.find_first_not_of(" \t\n\r");
    if (b == std::string_view::npos) {
      rest_ = {};
      return {};
    }
    size_t e = rest_.find_first_of(" \t\n\r", b);
    std::string_view field = rest_.substr(b, e == std::string_view::npos ? e : e - b);
    rest_ = e == std::string_view::npos ? std::string_view{} : rest_.substr(e);
    return field;
  }

  /// The next field as an unsigned integer; nullopt when missing or not a number.
  std::optional<uint64_t> nextU64() { return parseU64(next()); }

  static std::optional<uint64_t> parseU64(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  }

  static std::optional<double> parseDouble(std::string_view s) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  }

 private:
  std::string_view rest_;
};

/// Difference between two readings of a kernel counter that only grows. Some kernel counters
/// are 32 bits wide (diskstats' io_ticks, every net counter on a 32-bit kernel) and wrap: a
/// previous value in the upper half of the 32-bit range followed by a smaller one is counted
/// across the wrap. Any other decrease is a reset (device re-created, module reloaded) and has
/// no honest delta: nullopt, so the caller emits no rate rather than a garbage one.
inline std::optional<uint64_t> counterDelta(uint64_t prev, uint64_t cur) {
  if (cur >= prev) return cur - prev;
  constexpr uint64_t kWrap32 = uint64_t{1} << 32;
  if (prev >= kWrap32 / 2 && prev < kWrap32 && cur < kWrap32 / 2) return kWrap32 - prev + cur;
  return std::nullopt;
}

}  // namespace novacron
