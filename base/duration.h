#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron {

using std::chrono::milliseconds;

/// Parses a duration as written in configuration and playbooks: a number and a unit, or several
/// ("1h30m"). Units: ms, s, m, h, d, w. Integers only; zero is allowed, a sign is not.
Result<milliseconds> parseDuration(std::string_view text);

/// The shortest text parseDuration() reads back to `d`: "1h30m", "500ms", "0s".
std::string formatDuration(milliseconds d);

}  // namespace novacron
