#include "incidents/store.h"

#include "incidents/store_schema.h"
#include "incidents/store_statement.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include "base/json_text.h"

namespace novacron::incidents {

Result<void> done(Stmt& s, const std::string& what) {
  if (!s.ok()) return s.error(what);
  int rc = s.step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return s.error(what);
  return {};
}

namespace {

IncidentRecord readIncident(const Stmt& s) {
  IncidentRecord r;
  r.id = s.text(0);
  r.playbook = s.text(1);
  r.labels = s.text(2);
  r.severity = static_cast<int>(s.integer(3));
  r.category = s.text(4);
  // A state this version does not know (a newer one's, after a downgrade) reads as escalated:
  // closed, and left to a human.
  r.state = parseIncidentState(s.text(5)).value_or(IncidentState::kEscalated);
  r.dry_run = s.integer(6) != 0;
  r.triggered_by = s.text(7);
  r.opened_at = fromMs(s.integer(8));
  r.acknowledged_at = s.optTime(9);
  r.resolved_at = s.optTime(10);
  return r;
}

constexpr const char* kIncidentColumns =
    "id, playbook, labels, severity, category, state, dry_run, triggered_by, opened_at, "
    "acknowledged_at, resolved_at";

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = Stmt::dbError(db, "cannot open " + file.string());
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 2000);
  // WAL survives in the file; synchronous is per connection: FULL syncs the WAL on every commit.
  // SQLite's own page cache would grow to 2 MB as the file does (over days on a quiet host, in
  // minutes under the soak's incidents); an append touches a few pages per index and the kernel
  // caches the file anyway, so 512 kB is plenty and the agent's memory stops growing sooner.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA cache_size=-512"}) {
    if (auto r = store->exec(pragma); !r) return r.error();
  }
  if (auto r = store->migrate(); !r) return r.error();
  if (auto r = store->countPending(); !r) return r.error();
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Result<void> Store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    Error e = Stmt::dbError(db_, sql);
    e.message = "store: " + m;
    return e;
  }
  return {};
}

Result<void> Store::migrate() {
  Stmt v(db_, "PRAGMA user_version");
  if (!v.ok() || v.step() != SQLITE_ROW) return v.error("reading the schema version");
  version_ = static_cast<int>(v.integer(0));
  if (version_ > kSchemaVersion) {
    return makeError(ErrorCode::kInvalidArgument,
                     "store: the database has schema version " + std::to_string(version_) +
                         ", newer than this agent's " + std::to_string(kSchemaVersion) +
                         "; run the newer agent or move the database aside");
  }
  for (int next = version_ + 1; next <= kSchemaVersion; ++next) {
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
    auto r = exec(storeMigrations()[next - 1]);
    std::string set = "PRAGMA user_version=" + std::to_string(next);
    if (r) r = exec(set.c_str());
    if (!r) {
      (void)exec("ROLLBACK");  // what failed is reported; a failed rollback adds nothing to it
      return makeError(r.error().code, "migration to schema " + std::to_string(next) +
                                           " failed: " + r.error().message);
    }
    if (auto c = exec("COMMIT"); !c) return c;
    version_ = next;
  }
  return {};
}

Result<void> Store::createIncident(const IncidentRecord& i) {
  Stmt s(db_,
         "INSERT INTO incidents (id, playbook, labels, severity, category, state, dry_run, "
         "triggered_by, opened_at, "
         "acknowledged_at, resolved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  s.bind(1, i.id)
      .bind(2, i.playbook)
      .bind(3, i.labels)
      .bind(4, int64_t{i.severity})
      .bind(5, i.category);
  s.bind(6, std::string(incidentStateName(i.state)))
      .bind(7, int64_t{i.dry_run})
      .bind(8, i.triggered_by)
      .bind(9, ms(i.opened_at));
  s.bindOpt(10, i.acknowledged_at).bindOpt(11, i.resolved_at);
  return done(s, "creating incident " + i.id);
}

Result<void> Store::updateIncident(const std::string& id, IncidentState state, int severity,
                                   std::optional<TimePoint> acknowledged_at,
                                   std::optional<TimePoint> resolved_at) {
  Stmt s(db_,
         "UPDATE incidents SET state = ?2, severity = ?3, acknowledged_at = ?4, resolved_at = ?5 "
         "WHERE id = ?1");
  s.bind(1, id)
      .bind(2, std::string(incidentStateName(state)))
      .bind(3, int64_t{severity})
      .bindOpt(4, acknowledged_at)
      .bindOpt(5, resolved_at);
  if (auto r = done(s, "updating incident " + id); !r) return r;
  if (sqlite3_changes(db_) == 0) return makeError(ErrorCode::kNotFound, "store: no incident " + id);
  return {};
}

Result<std::optional<IncidentRecord>> Store::incident(const std::string& id) {
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?1";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return s.error("reading incident");
  s.bind(1, id);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<IncidentRecord>{};
  if (rc != SQLITE_ROW) return s.error("reading incident " + id);
  return std::optional<IncidentRecord>{readIncident(s)};
}

Result<std::vector<IncidentRecord>> Store::openIncidents() {
  std::string sql = std::string("SELECT ") + kIncidentColumns +
                    " FROM incidents WHERE resolved_at IS NULL ORDER BY opened_at, id";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return s.error("listing incidents");
  std::vector<IncidentRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(readIncident(s));
  if (rc != SQLITE_DONE) return s.error("listing incidents");
  return out;
}

Result<std::vector<IncidentRecord>> Store::incidents(TimePoint since, bool open_only,
                                                     size_t limit) {
  std::string sql =
      std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE opened_at >= ?1" +
      (open_only ? " AND resolved_at IS NULL" : "") + " ORDER BY opened_at DESC, id DESC LIMIT ?2";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return s.error("listing incidents");
  s.bind(1, ms(since)).bind(2, static_cast<int64_t>(limit));
  std::vector<IncidentRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(readIncident(s));
  if (rc != SQLITE_DONE) return s.error("listing incidents");
  return out;
}

// Inside a transaction the caller holds: the event and its outbox entry.
Result<int64_t> Store::insertEvent(const std::string& incident_id, TimePoint at,
                                   const std::string& kind, const std::string& data_json) {
  Stmt ev(db_, "INSERT INTO events (incident_id, at, kind, data) VALUES (?1, ?2, ?3, ?4)");
  ev.bind(1, incident_id).bind(2, ms(at)).bind(3, kind).bind(4, data_json);
  if (auto r = done(ev, "appending an event to " + incident_id); !r) return r.error();
  int64_t seq = sqlite3_last_insert_rowid(db_);
  Stmt ob(db_, "INSERT INTO outbox (event_seq) VALUES (?1)");
  ob.bind(1, seq);
  if (auto r = done(ob, "queueing event " + std::to_string(seq)); !r) return r.error();
  return seq;
}

Result<int64_t> Store::commitEvent(const std::function<Result<void>()>& before,
                                   const std::string& incident_id, TimePoint at,
                                   const std::string& kind, const std::string& data_json) {
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r.error();
  Result<int64_t> seq = makeError(ErrorCode::kIo, "");
  if (auto b = before ? before() : Result<void>{}; !b) {
    seq = b.error();
  } else {
    seq = insertEvent(incident_id, at, kind, data_json);
  }
  if (seq) {
    if (auto r = exec("COMMIT"); !r) seq = r.error();
  }
  if (!seq) {
    (void)exec("ROLLBACK");  // what failed is reported; a failed rollback adds nothing to it
    return seq;
  }
  ++pending_;
  if (on_append_) on_append_();
  return seq;
}

Result<int64_t> Store::appendEvent(const std::string& incident_id, TimePoint at,
                                   const std::string& kind, const std::string& data_json) {
  return commitEvent(nullptr, incident_id, at, kind, data_json);
}

Result<int64_t> Store::openIncident(const IncidentRecord& incident, const std::string& data_json) {
  return commitEvent([&] { return createIncident(incident); }, incident.id, incident.opened_at,
                     "opened", data_json);
}

Result<std::vector<EventRecord>> readEvents(Stmt& s, const std::string& what) {
  if (!s.ok()) return s.error(what);
  std::vector<EventRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.integer(0), s.text(1), fromMs(s.integer(2)), s.text(3), s.text(4)});
  }
  if (rc != SQLITE_DONE) return s.error(what);
  return out;
}

Result<std::vector<EventRecord>> Store::eventsAfter(int64_t seq, size_t limit) {
  Stmt s(
      db_,
      "SELECT seq, incident_id, at, kind, data FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  s.bind(1, seq).bind(2, static_cast<int64_t>(limit));
  return readEvents(s, "reading events");
}

Result<std::vector<EventRecord>> Store::timeline(const std::string& incident_id) {
  Stmt s(db_,
         "SELECT seq, incident_id, at, kind, data FROM events WHERE incident_id = ?1 ORDER BY seq");
  s.bind(1, incident_id);
  return readEvents(s, "reading the timeline of " + incident_id);
}

Result<int64_t> Store::startActionRun(const std::string& incident_id, const std::string& action,
                                      const std::string& type, TimePoint at) {
  Stmt s(db_,
         "INSERT INTO action_runs (incident_id, action, type, state, started_at) VALUES (?1, ?2, "
         "?3, 'running', ?4)");
  s.bind(1, incident_id).bind(2, action).bind(3, type).bind(4, ms(at));
  if (auto r = done(s, "recording the start of " + action); !r) return r.error();
  return sqlite3_last_insert_rowid(db_);
}

Result<void> Store::finishActionRun(int64_t id, actions::RunState state, TimePoint at,
                                    const std::string& result_json) {
  Stmt s(db_, "UPDATE action_runs SET state = ?2, finished_at = ?3, result = ?4 WHERE id = ?1");
  s.bind(1, id)
      .bind(2, std::string(actions::runStateName(state)))
      .bind(3, ms(at))
      .bind(4, result_json);
  return done(s, "recording the end of action run " + std::to_string(id));
}

Result<std::vector<ActionRunRecord>> Store::actionRuns(const std::string& incident_id) {
  Stmt s(db_,
         "SELECT id, incident_id, action, type, state, started_at, finished_at, result FROM "
         "action_runs "
         "WHERE incident_id = ?1 ORDER BY id");
  if (!s.ok()) return s.error("reading action runs");
  s.bind(1, incident_id);
  std::vector<ActionRunRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3),
                   actions::parseRunState(s.text(4)).value_or(actions::RunState::kFailed),
                   fromMs(s.integer(5)), s.optTime(6), s.text(7)});
  }
  if (rc != SQLITE_DONE) return s.error("reading action runs");
  return out;
}

Result<void> Store::setRunProcess(int64_t id, int pid, uint64_t start_ticks) {
  Stmt s(db_, "UPDATE action_runs SET pid = ?2, pid_start = ?3 WHERE id = ?1");
  s.bind(1, id).bind(2, static_cast<int64_t>(pid)).bind(3, static_cast<int64_t>(start_ticks));
  return done(s, "recording the process of action run " + std::to_string(id));
}

Result<std::vector<InterruptedRun>> Store::markInterruptedRuns(TimePoint now) {
  Stmt find(db_,
            "SELECT id, incident_id, action, pid, pid_start FROM action_runs WHERE state = "
            "'running' ORDER BY id");
  if (!find.ok()) return find.error("finding interrupted runs");
  std::vector<InterruptedRun> runs;
  int rc;
  while ((rc = find.step()) == SQLITE_ROW) {
    runs.push_back({find.integer(0), find.text(1), find.text(2), static_cast<int>(find.integer(3)),
                    static_cast<uint64_t>(find.integer(4))});
  }
  if (rc != SQLITE_DONE) return find.error("finding interrupted runs");
  for (const auto& run : runs) {
    nlohmann::json note = {{"action", run.action},
                           {"run", run.id},
                           {"reason", "the agent stopped while it ran; not re-run"}};
    if (auto r = finishActionRun(run.id, actions::RunState::kInterrupted, now, jsonText(note)); !r)
      return r.error();
    if (auto r = appendEvent(run.incident_id, now, "action_interrupted", jsonText(note)); !r)
      return r.error();
  }
  return runs;
}

Result<void> Store::requestApproval(const std::string& incident_id, const std::string& action,
                                    TimePoint at, TimePoint expires) {
  // An action asked again (a later incident step) starts a fresh request.
  Stmt s(db_,
         "INSERT INTO approvals (incident_id, action, state, requested_at, expires_at) VALUES "
         "(?1, ?2, 'pending', ?3, ?4) ON CONFLICT(incident_id, action) DO UPDATE SET state = "
         "'pending', requested_at = ?3, expires_at = ?4, decided_at = NULL, decided_by = NULL, "
         "reason = NULL");
  s.bind(1, incident_id).bind(2, action).bind(3, ms(at)).bind(4, ms(expires));
  return done(s, "recording the approval request for " + action);
}

Result<void> Store::decideApproval(const std::string& incident_id, const std::string& action,
                                   ApprovalState state, TimePoint at, const std::string& by,
                                   const std::string& reason) {
  Stmt s(db_,
         "UPDATE approvals SET state = ?3, decided_at = ?4, decided_by = ?5, reason = ?6 WHERE "
         "incident_id = ?1 AND action = ?2 AND state = 'pending'");
  s.bind(1, incident_id)
      .bind(2, action)
      .bind(3, std::string(approvalStateName(state)))
      .bind(4, ms(at))
      .bind(5, by)
      .bind(6, reason);
  return done(s, "recording the decision on " + action);
}

Result<std::vector<ApprovalRecord>> Store::approvals(const std::string& incident_id) {
  Stmt s(db_,
         "SELECT incident_id, action, state, requested_at, expires_at, decided_at, "
         "COALESCE(decided_by, ''), COALESCE(reason, '') FROM approvals WHERE incident_id = ?1 "
         "ORDER BY requested_at, action");
  if (!s.ok()) return s.error("reading approvals");
  s.bind(1, incident_id);
  std::vector<ApprovalRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    // An unknown state is never a grant.
    out.push_back({s.text(0), s.text(1),
                   parseApprovalState(s.text(2)).value_or(ApprovalState::kExpired),
                   fromMs(s.integer(3)), fromMs(s.integer(4)), s.optTime(5), s.text(6), s.text(7)});
  }
  if (rc != SQLITE_DONE) return s.error("reading approvals");
  return out;
}

Result<int> Store::expirePendingApprovals(TimePoint now, const std::string& reason) {
  Stmt s(db_,
         "UPDATE approvals SET state = 'expired', decided_at = ?1, decided_by = 'agent', reason = "
         "?2 WHERE state = 'pending'");
  s.bind(1, ms(now)).bind(2, reason);
  if (auto r = done(s, "expiring pending approvals"); !r) return r.error();
  return sqlite3_changes(db_);
}

Result<void> Store::setState(const std::string& key, const std::string& value) {
  Stmt s(db_,
         "INSERT INTO agent_state (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET "
         "value = excluded.value");
  s.bind(1, key).bind(2, value);
  return done(s, "saving " + key);
}

Result<std::optional<std::string>> Store::state(const std::string& key) {
  Stmt s(db_, "SELECT value FROM agent_state WHERE key = ?1");
  if (!s.ok()) return s.error("reading " + key);
  s.bind(1, key);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>{};
  if (rc != SQLITE_ROW) return s.error("reading " + key);
  return std::optional<std::string>{s.text(0)};
}

Result<std::string> Store::pragma(const std::string& name) {
  std::string sql = "PRAGMA " + name;
  Stmt s(db_, sql.c_str());
  if (!s.ok() || s.step() != SQLITE_ROW) return s.error(sql);
  return s.text(0);
}

int64_t Store::writes() const { return sqlite3_total_changes64(db_); }

}  // namespace novacron::incidents
