// Addresses and networks from a playbook's placeholders ({labels.address}): whatever a label
// holds. An accepted one must print to text that parses back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "io/address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::io;
  auto n = parseNetwork(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!n) return 0;
  auto again = parseNetwork(n->str());
  if (!again || !(*again == *n)) std::abort();
  (void)protectedReason(*n, {{*n, "kept"}});
  return 0;
}
