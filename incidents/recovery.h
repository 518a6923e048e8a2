#pragma once

#include <string>

#include "base/clock.h"
#include "incidents/store.h"
#include "io/containment.h"

namespace novacron::agent {

/// What a killed or stopped predecessor left, dealt with before anything else starts: the
/// processes of its interrupted runs ended (their cgroups, their process groups and, without
/// cgroups, the runs' markers) and recorded on the timelines; pending approvals expired (denied);
/// open incidents handed to a human (escalated) rather than resumed blind. A write that fails is
/// logged and the rest goes on.
void recoverAfterRestart(Store& store, const actions::Containment& containment,
                         const std::string& store_id, TimePoint now);

}  // namespace novacron::agent
