#include "incidents/recovery.h"

#include <charconv>
#include <map>

#include "base/json_text.h"
#include "base/log.h"
#include "io/orphans.h"

namespace novacron::incidents {

namespace {

using json = nlohmann::json;

// A write that fails here is said in the log: recovery goes on with the rest.
template <class T>
void logIfFailed(const Result<T>& r) {
  if (!r) logError("recovery: " + r.error().message);
}

}  // namespace

void recoverAfterRestart(Store& store, const io::Containment& containment,
                         const Leftovers& leftovers, const std::string& store_id, TimePoint now) {
  // What a killed predecessor left in its runs' cgroups is ended first, run by run.
  std::map<int64_t, size_t> left;
  for (const auto& [name, n] : leftovers) {
    int64_t id = 0;
    std::from_chars(name.data() + std::min<size_t>(name.size(), 4), name.data() + name.size(), id);
    left[id] += n;
  }
  if (auto runs = store.markInterruptedRuns(now); runs && !runs->empty()) {
    logWarning(std::to_string(runs->size()) +
               " action run(s) were interrupted by the last stop; they are not re-run");
    // A kill -9 left their children running: end them before anything else starts.
    for (const auto& run : *runs) {
      // Their cgroup; and by the recorded process group. Without cgroups, also by the marker
      // in the environment, for a child the agent was killed too early to record.
      int n = static_cast<int>(left[run.id]);
      left.erase(run.id);
      n += run.pid > 0 ? io::endOrphanGroup(run.pid, run.pid_start) : 0;
      if (containment.mode() == io::ContainmentMode::kProcessGroup)
        n += io::endMarkedProcesses(io::runMarker(store_id, run.id));
      if (n > 0) {
        logWarning("ended " + std::to_string(n) + " process(es) left by run " +
                   std::to_string(run.id) + " (" + run.action + ")");
        logIfFailed(store.appendEvent(
            run.incident_id, now, "orphans_ended",
            jsonText(json{{"run", run.id}, {"action", run.action}, {"processes", n}})));
      }
    }
  } else if (!runs) {
    logError(runs.error().message);
  }
  for (const auto& [run, n] : left) {
    if (n > 0)
      logWarning("ended " + std::to_string(n) + " process(es) left in the cgroup of run " +
                 std::to_string(run));
  }
  if (auto n = store.expirePendingApprovals(now, "the agent restarted"); !n) {
    logError(n.error().message);
  } else if (*n > 0) {
    logWarning(std::to_string(*n) + " pending approval(s) expired with the restart (denied)");
  }
  // Incidents the last run left open are handed to a human rather than resumed blind: the
  // policy opens a new one if the condition still holds.
  if (auto open = store.openIncidents(); !open) {
    logError(open.error().message);
  } else {
    for (const auto& inc : *open) {
      logIfFailed(store.updateIncident(inc.id, IncidentState::kEscalated, inc.severity,
                                       inc.acknowledged_at, now));
      logIfFailed(
          store.appendEvent(inc.id, now, "escalated",
                            jsonText(json{{"reason", "the agent restarted during the incident"}})));
    }
  }
}

}  // namespace novacron::incidents
