#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron::io {

/// Inflates a gzip stream (one member, as an HTTP server sends with Content-Encoding: gzip).
/// The output is bounded: a small body that would inflate past `max_bytes` (a zip bomb) is
/// refused once it has, not read on.
Result<std::string> gunzip(std::string_view in, size_t max_bytes);

/// Compresses `in` as one gzip member, at zlib's fastest level: for an HTTP body that is made
/// once and sent to every scraper that asks for Content-Encoding: gzip.
std::string gzip(std::string_view in);

/// Whether an Accept-Encoding header value takes gzip: listed (or "*"), and not with q=0.
bool acceptsGzip(std::string_view accept_encoding);

}  // namespace novacron::io
