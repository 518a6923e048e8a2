#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron {

/// Inflates a gzip stream (one member, as an HTTP server sends with Content-Encoding: gzip).
/// The output is bounded: a small body that would inflate past `max_bytes` (a zip bomb) is
/// refused once it has, not read on.
Result<std::string> gunzip(std::string_view in, size_t max_bytes);

}  // namespace novacron
