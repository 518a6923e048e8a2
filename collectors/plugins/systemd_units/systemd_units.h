#pragma once
// The runbook's "is the service running?" for every unit, not only the probed ones: each loaded
// service's ActiveState and SubState, whether it failed, and how often systemd restarted it, read
// with `systemctl show` on the loop every interval.
#include "collectors/plugin.h"

namespace novacron::collectors {

extern const SourcePlugin kSystemdUnitsPlugin;

}  // namespace novacron::collectors
