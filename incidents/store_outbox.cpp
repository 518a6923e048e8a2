// The store's outbox: the events not yet delivered to the coordinator, their attempts, and the
// bound on how many wait.
#include "incidents/store.h"
#include "incidents/store_statement.h"

namespace novacron::incidents {

Result<std::vector<EventRecord>> Store::pendingEvents(size_t limit) {
  Stmt s(db_,
         "SELECT e.seq, e.incident_id, e.at, e.kind, e.data FROM outbox o JOIN events e ON e.seq = "
         "o.event_seq WHERE o.delivered_at IS NULL AND o.parked = 0 ORDER BY o.event_seq LIMIT ?1");
  s.bind(1, static_cast<int64_t>(limit));
  return readEvents(s, "reading the outbox");
}

Result<void> Store::markDelivered(int64_t first, int64_t last, TimePoint at) {
  Stmt s(db_,
         "UPDATE outbox SET delivered_at = ?3, last_error = NULL WHERE event_seq BETWEEN ?1 AND ?2 "
         "AND delivered_at IS NULL AND parked = 0");
  s.bind(1, first).bind(2, last).bind(3, ms(at));
  if (auto r = done(s, "marking events delivered"); !r) return r;
  pending_ -= sqlite3_changes(db_);
  return {};
}

Result<void> Store::recordAttempt(int64_t first, int64_t last, const std::string& error) {
  Stmt s(db_,
         "UPDATE outbox SET attempts = attempts + 1, last_error = ?3 WHERE event_seq BETWEEN ?1 "
         "AND ?2 AND delivered_at IS NULL AND parked = 0");
  s.bind(1, first).bind(2, last).bind(3, error);
  return done(s, "recording a delivery attempt");
}

Result<void> Store::parkEvent(int64_t seq, const std::string& error) {
  Stmt s(db_,
         "UPDATE outbox SET parked = 1, last_error = ?2 WHERE event_seq = ?1 AND delivered_at IS "
         "NULL AND parked = 0");
  s.bind(1, seq).bind(2, error);
  if (auto r = done(s, "parking event " + std::to_string(seq)); !r) return r;
  pending_ -= sqlite3_changes(db_);
  return {};
}

Result<DroppedEvents> Store::dropOldestPending(size_t keep) {
  DroppedEvents d;
  Stmt cut(db_,
           "SELECT event_seq FROM outbox WHERE delivered_at IS NULL AND parked = 0 ORDER BY "
           "event_seq DESC LIMIT 1 OFFSET ?1");
  if (!cut.ok()) return cut.error("bounding the outbox");
  cut.bind(1, static_cast<int64_t>(keep));
  int rc = cut.step();
  if (rc == SQLITE_DONE) return d;
  if (rc != SQLITE_ROW) return cut.error("bounding the outbox");
  d.last_seq = cut.integer(0);
  Stmt info(db_,
            "SELECT COUNT(*), MIN(o.event_seq), (SELECT incident_id FROM events WHERE seq = ?1) "
            "FROM outbox o WHERE o.event_seq <= ?1 AND o.delivered_at IS NULL AND o.parked = 0");
  if (!info.ok()) return info.error("bounding the outbox");
  info.bind(1, d.last_seq);
  if (info.step() != SQLITE_ROW) return info.error("bounding the outbox");
  d.count = info.integer(0);
  d.first_seq = info.integer(1);
  d.last_incident = info.text(2);
  Stmt drop(db_,
            "UPDATE outbox SET parked = 2, last_error = 'dropped: the outbox was full' WHERE "
            "event_seq <= ?1 AND delivered_at IS NULL AND parked = 0");
  drop.bind(1, d.last_seq);
  if (auto r = done(drop, "bounding the outbox"); !r) return r.error();
  pending_ -= sqlite3_changes(db_);
  return d;
}

Result<void> Store::countPending() {
  Stmt s(db_, "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0");
  if (!s.ok() || s.step() != SQLITE_ROW) return s.error("counting the outbox");
  pending_ = s.integer(0);
  return {};
}

// The depth is counted as events come and go, so reading it costs nothing; the oldest is the
// first row of the pending index. /metrics asks on every render, and the outbox is empty nearly
// always: then there is no oldest to look for.
Result<OutboxStats> Store::outboxStats() {
  if (pending_ == 0) return OutboxStats{0, std::nullopt};
  Stmt s(db_,
         "SELECT e.at FROM outbox o JOIN events e ON e.seq = o.event_seq WHERE o.delivered_at IS "
         "NULL AND o.parked = 0 ORDER BY o.event_seq LIMIT 1");
  if (!s.ok()) return s.error("reading the outbox");
  int rc = s.step();
  if (rc == SQLITE_DONE) return OutboxStats{pending_, std::nullopt};
  if (rc != SQLITE_ROW) return s.error("reading the outbox");
  return OutboxStats{pending_, s.optTime(0)};
}

}  // namespace novacron::incidents
