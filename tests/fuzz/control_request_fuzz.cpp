// The control socket's request decoder, and the readers of what a request's args hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/json_text.h"
#include "incidents/incident_commands.h"
#include "io/control_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto req = novacron::io::decodeControlRequest(line);
  if (!req) return 0;
  (void)novacron::io::secondsArg(req->args, "since");
  std::string why;
  if (auto t = novacron::incidents::readTrigger(req->args, why)) {
    for (const auto& l : t->labels) (void)novacron::jsonText(l.value);
  }
  (void)novacron::jsonText(req->args);
  return 0;
}
