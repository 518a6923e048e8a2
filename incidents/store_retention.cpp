// The store's retention: resolved incidents purged by age, the file bounded by size.
#include "incidents/store.h"
#include "incidents/store_statement.h"

namespace novacron::incidents {

namespace {

// The incidents a purge may take: ended, with no action run still going (its result is yet to
// be recorded), and with `keep_undelivered`, none of whose events is still waiting for the
// coordinator.
std::string purgeable(bool keep_undelivered) {
  std::string where =
      "resolved_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM action_runs r WHERE "
      "r.incident_id = incidents.id AND r.state = 'running')";
  if (keep_undelivered) {
    where +=
        " AND NOT EXISTS (SELECT 1 FROM events e JOIN outbox o ON o.event_seq = e.seq WHERE "
        "e.incident_id = incidents.id AND o.delivered_at IS NULL AND o.parked = 0)";
  }
  return where;
}

}  // namespace

Result<int> Store::purgeResolvedBefore(TimePoint cutoff, bool keep_undelivered) {
  std::string sql =
      "DELETE FROM incidents WHERE " + purgeable(keep_undelivered) + " AND resolved_at < ?1";
  Stmt s(db_, sql.c_str());
  s.bind(1, ms(cutoff));
  if (auto r = done(s, "purging old incidents"); !r) return r.error();
  int n = sqlite3_changes(db_);
  if (n > 0) {
    if (auto r = countPending(); !r) return r.error();
  }
  return n;
}

Result<int64_t> Store::usedBytes() {
  Stmt s(db_,
         "SELECT (SELECT page_count FROM pragma_page_count()) - "
         "(SELECT freelist_count FROM pragma_freelist_count()), "
         "(SELECT page_size FROM pragma_page_size())");
  if (!s.ok() || s.step() != SQLITE_ROW) return s.error("measuring the store");
  return s.integer(0) * s.integer(1);
}

Result<Store::SizeBound> Store::boundSize(int64_t max_bytes, TimePoint resolved_before,
                                          bool keep_undelivered) {
  SizeBound out;
  auto used = usedBytes();
  if (!used) return used.error();
  out.used = *used;
  if (out.used <= max_bytes) return out;
  // A few incidents at a time, the first ended first, each batch its own transaction: a large
  // purge never holds the store for long, and every batch is durable on its own.
  const std::string sql = "DELETE FROM incidents WHERE id IN (SELECT id FROM incidents WHERE " +
                          purgeable(keep_undelivered) +
                          " AND resolved_at < ?1 ORDER BY resolved_at LIMIT 16)";
  Stmt s(db_, sql.c_str());
  s.bind(1, ms(resolved_before));
  while (out.used > max_bytes / 10 * 9) {
    if (auto r = done(s, "purging the oldest incidents"); !r) return r.error();
    s.reset();
    int n = sqlite3_changes(db_);
    if (n == 0) break;
    out.purged += n;
    if (used = usedBytes(); !used) return used.error();
    out.used = *used;
  }
  if (out.purged > 0) {
    if (auto r = countPending(); !r) return r.error();
  }
  return out;
}

}  // namespace novacron::incidents
