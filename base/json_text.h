#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace novacron {

/// A JSON document as text. Strings are made valid UTF-8 where they enter the agent; this is the
/// last guard: an ill-formed sequence that got through anyway becomes U+FFFD instead of an
/// exception (nlohmann's dump() throws type_error.316) in the middle of an event-loop handler.
inline std::string jsonText(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace novacron
