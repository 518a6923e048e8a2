#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actions/action.h"
#include "base/clock.h"
#include "base/result.h"
#include "incidents/incident_state.h"

struct sqlite3;

namespace novacron::incidents {

struct IncidentRecord {
  std::string id;  ///< unique across the fleet: node id + time-ordered part
  std::string playbook;
  std::string labels;  ///< JSON object
  int severity = 3;
  std::string category;
  IncidentState state = IncidentState::kOpen;
  bool dry_run = false;
  std::string triggered_by;  ///< empty when the policy opened it
  TimePoint opened_at{};
  std::optional<TimePoint> acknowledged_at, resolved_at;
};

struct EventRecord {
  int64_t seq = 0;  ///< global, gap-free order of every event: the cursor of pollers and outbox
  std::string incident_id;
  TimePoint at{};
  std::string kind;
  std::string data;  ///< JSON object
};

struct ActionRunRecord {
  int64_t id = 0;
  std::string incident_id, action, type;
  actions::RunState state = actions::RunState::kRunning;
  TimePoint started_at{};
  std::optional<TimePoint> finished_at;
  std::string result;  ///< JSON object
};

struct ApprovalRecord {
  std::string incident_id, action;
  ApprovalState state = ApprovalState::kPending;
  TimePoint requested_at{}, expires_at{};
  std::optional<TimePoint> decided_at;
  std::string decided_by, reason;
};

/// The reporter's view of the outbox: what is waiting for the coordinator.
struct OutboxStats {
  int64_t depth = 0;                ///< events neither delivered, parked nor dropped
  std::optional<TimePoint> oldest;  ///< when the oldest of them happened
};

/// Events dropped from the outbox over its bound (they stay on their incidents' timelines).
struct DroppedEvents {
  int64_t count = 0, first_seq = 0, last_seq = 0;
  std::string last_incident;  ///< the incident of the newest one dropped
};

/// An action run the last agent left running: its process group may still be alive.
struct InterruptedRun {
  int64_t id = 0;
  std::string incident_id, action;
  int pid = 0;             ///< the process group of its child; 0 if none had started
  uint64_t pid_start = 0;  ///< the leader's start time in clock ticks since boot
};

/// The agent's durable memory in SQLite (state_dir/agent.db): incidents, their timeline, action
/// runs, approvals, the reporter's outbox and agent state such as the kill switch. WAL with
/// synchronous=FULL: a call that wrote an event returns only once the event would survive a power
/// cut, so the agent records before it acts. Schema changes are numbered migrations applied at
/// open. Event-loop only; every failure is a Result, never an exception.
class Store {
 public:
  static constexpr int kSchemaVersion = 3;

  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Result<void> createIncident(const IncidentRecord& incident);
  /// Creates the incident and its `opened` event in one durable transaction, so that no crash can
  /// leave an incident whose timeline does not begin with it.
  Result<int64_t> openIncident(const IncidentRecord& incident, const std::string& data_json);
  Result<void> updateIncident(const std::string& id, IncidentState state, int severity,
                              std::optional<TimePoint> acknowledged_at,
                              std::optional<TimePoint> resolved_at);
  Result<std::optional<IncidentRecord>> incident(const std::string& id);
  /// Incidents not resolved, oldest first.
  Result<std::vector<IncidentRecord>> openIncidents();
  /// Incidents opened at or after `since` (open ones only if `open_only`), newest first.
  Result<std::vector<IncidentRecord>> incidents(TimePoint since, bool open_only, size_t limit);

  /// Appends a timeline event and queues it in the outbox, in one durable transaction.
  Result<int64_t> appendEvent(const std::string& incident_id, TimePoint at, const std::string& kind,
                              const std::string& data_json);
  Result<std::vector<EventRecord>> eventsAfter(int64_t seq, size_t limit);
  Result<std::vector<EventRecord>> timeline(const std::string& incident_id);

  Result<int64_t> startActionRun(const std::string& incident_id, const std::string& action,
                                 const std::string& type, TimePoint at);
  Result<void> finishActionRun(int64_t id, actions::RunState state, TimePoint at,
                               const std::string& result_json);
  Result<std::vector<ActionRunRecord>> actionRuns(const std::string& incident_id);
  /// The child process (and process group) of a running action, with its start time, which
  /// tells it apart from a later process that reuses the pid.
  Result<void> setRunProcess(int64_t id, int pid, uint64_t start_ticks);
  /// At startup: runs left `running` by a crash become `interrupted`, each with a timeline event.
  /// They are never re-run silently. Returns them, so that their process groups can be ended.
  Result<std::vector<InterruptedRun>> markInterruptedRuns(TimePoint now);

  /// Approvals: requested, then granted, denied or expired, once.
  Result<void> requestApproval(const std::string& incident_id, const std::string& action,
                               TimePoint at, TimePoint expires);
  Result<void> decideApproval(const std::string& incident_id, const std::string& action,
                              ApprovalState state, TimePoint at, const std::string& by,
                              const std::string& reason);
  Result<std::vector<ApprovalRecord>> approvals(const std::string& incident_id);
  /// At startup: requests the last agent left pending expire (to a denial, never to a run).
  Result<int> expirePendingApprovals(TimePoint now, const std::string& reason);

  /// The outbox, in event order. Events are delivered or parked one batch at a time; an event
  /// is never sent before every earlier one is delivered, parked or dropped.
  Result<std::vector<EventRecord>> pendingEvents(size_t limit);
  /// Marks the pending events with seq in [first, last] delivered.
  Result<void> markDelivered(int64_t first, int64_t last, TimePoint at);
  /// Counts an attempt on the pending events with seq in [first, last] and keeps its error.
  Result<void> recordAttempt(int64_t first, int64_t last, const std::string& error);
  /// The coordinator refused the event for good (a 4xx): it is not sent again.
  Result<void> parkEvent(int64_t seq, const std::string& error);
  /// Drops all but the newest `keep` pending events from the outbox (not from the timeline).
  Result<DroppedEvents> dropOldestPending(size_t keep);
  Result<OutboxStats> outboxStats();
  /// Events waiting for the coordinator, counted as they come and go: no read.
  int64_t outboxDepth() const { return pending_; }

  Result<void> setState(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> state(const std::string& key);

  /// Deletes resolved incidents (and their events, runs and approvals) resolved before `cutoff`,
  /// but not one with an action run still going; with `keep_undelivered`, not those with an
  /// event still waiting for the coordinator.
  Result<int> purgeResolvedBefore(TimePoint cutoff, bool keep_undelivered = false);

  /// What bounding the store's size did.
  struct SizeBound {
    int purged = 0;    ///< incidents that went
    int64_t used = 0;  ///< bytes the store's pages hold afterwards
  };
  /// Once the store's pages hold more than `max_bytes`, deletes the resolved incidents that
  /// ended first (as purgeResolvedBefore would), of those resolved before `resolved_before`,
  /// until they hold at most 90 % of it, so that the next few writes do not start it again.
  /// Open incidents never go, nor those just resolved, whose notices may still be on their way:
  /// `used` may stay above.
  Result<SizeBound> boundSize(int64_t max_bytes, TimePoint resolved_before,
                              bool keep_undelivered = false);
  /// Bytes in the store's pages, not counting the free pages deletes leave for reuse (the file
  /// keeps its size).
  Result<int64_t> usedBytes();
  /// Rows written since the store was opened: a cheap way to tell whether anything changed.
  int64_t writes() const;

  /// Called after every event appended (and committed): the reporter's cue to deliver.
  void onAppend(std::function<void()> listener) { on_append_ = std::move(listener); }

  int schemaVersion() const { return version_; }
  /// The value of a PRAGMA on this connection, e.g. "synchronous" (for checks and tests).
  Result<std::string> pragma(const std::string& name);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Result<void> exec(const char* sql);
  Result<void> migrate();
  Result<void> countPending();
  Result<int64_t> insertEvent(const std::string& incident_id, TimePoint at, const std::string& kind,
                              const std::string& data_json);
  Result<int64_t> commitEvent(const std::function<Result<void>()>& before,
                              const std::string& incident_id, TimePoint at, const std::string& kind,
                              const std::string& data_json);
  sqlite3* db_;
  int version_ = 0;
  std::function<void()> on_append_;
  int64_t pending_ = 0;  // outbox events neither delivered, parked nor dropped
};

}  // namespace novacron::incidents
