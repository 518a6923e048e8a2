#include "base/text.h"

namespace novacron {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The sequence at the start of `s`: its length if it is one well-formed character, else 0 and,
// in `bad`, the length of its maximal ill-formed subpart (at least 1). Table 3-7 of the Unicode
// standard gives the ranges; the second byte's range depends on the first.
size_t sequence(std::string_view s, size_t& bad) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  bad = 1;
  if (b0 < 0x80) return 1;
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1 or F5..FF cannot start a character
  }
  for (size_t i = 1; i <= need; ++i) {
    if (i >= s.size()) return 0;
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < lo || b > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
    bad = i + 1;
  }
  return need + 1;
}

}  // namespace

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Runs of ASCII are the common case: skip them a byte at a time without the table.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t bad = 0;
    size_t n = sequence(s.substr(i), bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string validUtf8(std::string_view s) {
  if (isValidUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t bad = 0;
    size_t n = sequence(s.substr(i), bad);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append(kReplacement);
      i += bad;
    }
  }
  return out;
}

std::string truncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return validUtf8(s);
  size_t cut = max_bytes;
  // Back up over continuation bytes to the start of the character that straddles the cut; if
  // that character is whole before the cut, keep it.
  size_t start = cut;
  while (start > 0 && cut - start < 3 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  size_t bad = 0;
  if (start < cut && sequence(s.substr(start), bad) > cut - start) cut = start;
  return validUtf8(s.substr(0, cut));
}

std::string quoteForMessage(std::string_view s, size_t max_bytes) {
  std::string out = escapeControl(truncateUtf8(s, max_bytes));
  if (s.size() > max_bytes) out += "\xE2\x80\xA6";  // …
  return out;
}

std::string escapeControl(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t bad = 0;
      size_t n = sequence(s.substr(i), bad);
      if (n > 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
      for (size_t k = 0; k < bad; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 15];
      }
      i += bad;
      continue;
    }
    ++i;
    if (!isControl(c)) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace novacron
