// The broker's decoder: whatever the unprivileged agent sends. A message it accepts must
// encode again to bytes that decode to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "broker/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::broker;
  auto m = decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m) return 0;
  auto bytes = encode(*m);
  if (!bytes) std::abort();
  auto again = decode(*bytes);
  if (!again || again->verb != m->verb || again->id != m->id || again->text != m->text ||
      again->number != m->number || again->lists != m->lists)
    std::abort();
  return 0;
}
