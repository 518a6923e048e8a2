#include "incidents/store_schema.h"

namespace novacron::incidents {

namespace {

// Migration N brings the schema from version N-1 to N. Never edit one that has shipped: add the
// next, so that an upgrade keeps every incident.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  playbook TEXT NOT NULL,
  labels TEXT NOT NULL,
  severity INTEGER NOT NULL,
  category TEXT NOT NULL,
  state TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  triggered_by TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  resolved_at INTEGER
);
CREATE INDEX incidents_open ON incidents(resolved_at, opened_at);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_incident ON events(incident_id, seq);
CREATE TABLE action_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  result TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX action_runs_incident ON action_runs(incident_id, id);
CREATE INDEX action_runs_state ON action_runs(state);
CREATE TABLE approvals (
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  reason TEXT,
  PRIMARY KEY (incident_id, action)
);
CREATE TABLE outbox (
  event_seq INTEGER PRIMARY KEY REFERENCES events(seq) ON DELETE CASCADE,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  parked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE agent_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
    // 2: the process group of a running action, so that a restart after kill -9 can end it.
    R"sql(
ALTER TABLE action_runs ADD COLUMN pid INTEGER;
ALTER TABLE action_runs ADD COLUMN pid_start INTEGER;
)sql",
    // 3: the reporter: why an event's last delivery failed, and a quick way to what is pending.
    // parked: 0 pending or delivered, 1 refused by the coordinator, 2 dropped over the bound.
    R"sql(
ALTER TABLE outbox ADD COLUMN last_error TEXT;
CREATE INDEX outbox_pending ON outbox(event_seq) WHERE delivered_at IS NULL AND parked = 0;
)sql",
};

}  // namespace

std::span<const char* const> storeMigrations() { return kMigrations; }

}  // namespace novacron::incidents
