// Whatever `systemctl show` prints (unit names and states are the host's, some chosen by local
// users' units): the parser must keep at most the bound of units, each value valid UTF-8 and at
// most 256 bytes, and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/text.h"
#include "collectors/plugins/systemd_units/systemctl_show.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t dropped = 0;
  auto units = novacron::collectors::parseSystemctlShow(text, 8, &dropped);
  if (units.size() > 8) std::abort();
  for (const auto& u : units) {
    for (const auto* v : {&u.id, &u.load_state, &u.active_state, &u.sub_state}) {
      if (v->size() > 256 * 3 || !novacron::isValidUtf8(*v)) std::abort();
    }
    if (u.id.empty()) std::abort();
  }
  return 0;
}
