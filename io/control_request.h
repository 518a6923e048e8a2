#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace novacron::io {

/// One request of the control protocol: {"cmd": NAME, "args": {...}}.
struct ControlRequest {
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
};

/// Decodes one request line (without its newline). Anything else than a JSON object with a
/// string "cmd" and, if present, an object "args" is an error whose message says what is
/// expected. Never throws.
Result<ControlRequest> decodeControlRequest(std::string_view line);

/// A number of seconds back from a request's `key`: absent (an empty optional inside), or a
/// finite number from 0 to ten years. Anything else is refused (nullopt): a huge value would
/// overflow the conversion.
std::optional<std::optional<std::chrono::milliseconds>> secondsArg(const nlohmann::json& args,
                                                                   const char* key);

}  // namespace novacron::io
