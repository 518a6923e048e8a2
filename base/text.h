#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Strings from outside the agent — process names, mount points, database names, HTTP bodies,
// action output, file names — are bytes, not text. These functions turn them into text that is
// safe to put in a JSON document, a log line or a Prometheus label.
namespace novacron {

/// Whether `s` is well-formed UTF-8: no stray continuation bytes, no overlong forms, no
/// surrogates, nothing past U+10FFFF.
bool isValidUtf8(std::string_view s);

/// `s` with every ill-formed sequence replaced by U+FFFD, one per maximal ill-formed subpart
/// (the Unicode recommendation, as browsers do). Valid input comes back unchanged.
std::string validUtf8(std::string_view s);

/// At most `max_bytes` of `s`, cut before a character that would not fit whole, then made valid.
/// Never ends in half a character.
std::string truncateUtf8(std::string_view s, size_t max_bytes);

/// `s` made valid and cut to `max_bytes`; `…` marks a cut. For a value quoted in a message.
std::string quoteForMessage(std::string_view s, size_t max_bytes = 200);

/// One log line's worth of `s`: control characters become escapes (`\n`, `\r`, `\t`, `\x1b`),
/// invalid bytes become `\xNN`, a backslash stays a backslash. A message can then neither split
/// into two lines nor start a line with a `<N>` that journald would read as its priority.
std::string escapeControl(std::string_view s);

/// Whether `c` is a C0 control character or DEL.
inline bool isControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace novacron
