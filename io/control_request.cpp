#include "io/control_request.h"

namespace novacron::io {

using json = nlohmann::json;

Result<ControlRequest> decodeControlRequest(std::string_view line) {
  // The parser validates UTF-8 and nesting; a depth or size problem is a parse error too.
  json req = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) {
    return makeError(ErrorCode::kMalformed,
                     "expected one JSON object per line, such as {\"cmd\":\"status\"}");
  }
  auto cmd = req.find("cmd");
  if (cmd == req.end() || !cmd->is_string()) {
    return makeError(ErrorCode::kMalformed, "missing \"cmd\" (a string)");
  }
  ControlRequest out;
  out.cmd = cmd->get<std::string>();
  if (auto args = req.find("args"); args != req.end()) {
    if (!args->is_object()) return makeError(ErrorCode::kMalformed, "\"args\" must be an object");
    out.args = std::move(*args);
  }
  return out;
}

std::optional<std::optional<std::chrono::milliseconds>> secondsArg(const json& args,
                                                                   const char* key) {
  auto v = args.find(key);
  if (v == args.end()) return std::optional<std::chrono::milliseconds>();
  if (!v->is_number()) return std::nullopt;
  double s = v->get<double>();
  if (!(s >= 0 && s <= 10 * 365.25 * 86400)) return std::nullopt;  // NaN fails too
  return std::optional<std::chrono::milliseconds>(
      std::chrono::milliseconds(static_cast<int64_t>(s * 1000)));
}

}  // namespace novacron::io
