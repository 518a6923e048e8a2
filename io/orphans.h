#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace novacron::io {

/// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat).
std::optional<uint64_t> processStartTicks(pid_t pid);

/// Ends what is left of an action's process group after the agent died without reaping it
/// (kill -9, OOM). The group is the action's unless a process now holds its leader's pid with a
/// different start time: Linux does not hand out a pid still in use as a process group id, so a
/// group without its leader is still the one the action made. Returns how many processes were
/// in it (all sent SIGKILL).
int endOrphanGroup(pid_t pgid, uint64_t leader_start_ticks);

/// A random id for runMarker(): 16 hex digits, made once per store of incidents.
std::string newStoreId();

/// The marker of one action run of one store: unique across agents on a host.
inline std::string runMarker(const std::string& store_id, int64_t run) {
  return store_id + "/" + std::to_string(run);
}

/// The environment entry that marks a process of a run: NOVACRON_RUN=MARKER:UID, with the user
/// the run's process runs as, so that a sweep takes a process at its word only when the kernel
/// says it is that user's (a root process another user made with a copied marker, through a
/// set-user-ID program, say, claims a user it is not).
inline std::string runEnvironment(const std::string& marker, uid_t uid) {
  return "NOVACRON_RUN=" + marker + ":" + std::to_string(uid);
}

/// Clock ticks since boot now, as a process's start time counts them: a sweep passes over what
/// started before its run.
uint64_t bootTicksNow();

/// Ends the process groups of every process whose environment marks it as a process of run
/// `marker` (runEnvironment): the children of a run that left its group (setsid), or whose pid
/// the agent had not recorded yet when it was killed. A process counts only when it runs as the
/// user its marker names (an older agent's marker without a user: this process's own user),
/// and when it started at `not_before_ticks` or later (the run's start, when known): a user
/// an action ran as can read the marker and start a decoy with it, but not as another user, nor
/// before the run. Processes of `skip_group` (already ended by the caller) are left out of the
/// count. Returns how many processes carried the marker.
int endMarkedProcesses(const std::string& marker, pid_t skip_group = 0,
                       uint64_t not_before_ticks = 0);

}  // namespace novacron::io
