#pragma once

#include <utility>
#include <vector>

#include <string>

#include "base/clock.h"
#include "incidents/store.h"
#include "io/containment.h"

namespace novacron::incidents {

/// What a killed or stopped predecessor left, dealt with before anything else starts: the
/// processes of its interrupted runs ended (their cgroups, their process groups and, without
/// cgroups, the runs' markers) and recorded on the timelines; pending approvals expired (denied);
/// open incidents handed to a human (escalated) rather than resumed blind. A write that fails is
/// logged and the rest goes on.
/// What a killed predecessor left in its runs' cgroups, ended: cgroup name ("run-17") and how
/// many processes it held. Containment::endLeftovers(), or the broker's account of it.
using Leftovers = std::vector<std::pair<std::string, size_t>>;

/// `leftovers` counts toward the runs they belonged to; `containment` ends the interrupted runs'
/// process groups where the agent may (without a broker).
void recoverAfterRestart(Store& store, const io::Containment& containment,
                         const Leftovers& leftovers, const std::string& store_id, TimePoint now);

}  // namespace novacron::incidents
