#include "coordinator/migrations.h"

#include "base/sha256.h"
#include "coordinator/migrations_sql.h"
#include "coordinator/sync_db.h"

namespace novacron::coordinator {

namespace {

// pg_advisory_lock's key for migrations: any constant no other program of this database uses.
constexpr const char* kLockKey = "7202611";

constexpr const char* kLedger = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  sha256      text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

Result<SchemaState> compare(SyncDb& db) {
  auto applied = db.query("SELECT version::text, name, sha256 FROM schema_migrations ORDER BY 1");
  if (!applied) return applied.error();
  SchemaState st;
  auto known = migrations();
  for (const auto& row : applied->front().rows) {
    int version = std::stoi(row[0].value_or("0"));
    st.applied = std::max(st.applied, version);
    const Migration* m = nullptr;
    for (const auto& k : known) {
      if (k.version == version) m = &k;
    }
    if (!m) {
      return makeError(ErrorCode::kInvalidArgument,
                       "the database's schema has migration " + std::to_string(version) + " (" +
                           row[1].value_or("") +
                           "), which this coordinator does not know: it is older than the "
                           "schema; run the newer coordinator");
    }
    if (row[2].value_or("") != sha256Hex(m->sql)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "migration " + std::to_string(version) + " (" + std::string(m->name) +
                           ") was applied from a different text than this coordinator's");
    }
  }
  for (const auto& m : known) {
    if (m.version > st.applied) st.pending.push_back(m);
  }
  return st;
}

}  // namespace

std::vector<Migration> migrations() {
  return std::vector<Migration>(std::begin(kMigrationTexts), std::end(kMigrationTexts));
}

Result<SchemaState> checkSchema(SyncDb& db) {
  auto exists = db.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS there");
  if (!exists) return exists.error();
  if (exists->front().get(0, "there").value_or("f") != "t") {
    SchemaState st;
    st.pending = migrations();
    return st;
  }
  return compare(db);
}

Result<SchemaState> migrate(SyncDb& db) {
  if (auto r = db.query(std::string("SELECT pg_advisory_lock(") + kLockKey + ")"); !r)
    return r.error();
  auto unlock = [&db] {
    (void)db.query(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")");
  };
  if (auto r = db.query(kLedger); !r) {
    unlock();
    return r.error();
  }
  auto st = compare(db);
  if (!st) {
    unlock();
    return st;
  }
  for (const auto& m : st->pending) {
    std::string sql = "BEGIN;\n" + std::string(m.sql) +
                      "\n;INSERT INTO schema_migrations (version, name, sha256) VALUES (" +
                      std::to_string(m.version) + ", '" + std::string(m.name) + "', '" +
                      sha256Hex(m.sql) + "');\nCOMMIT;";
    if (auto r = db.query(sql); !r) {
      (void)db.query("ROLLBACK");
      unlock();
      return makeError(r.error().code, "migration " + std::to_string(m.version) + " (" +
                                           std::string(m.name) + "): " + r.error().message);
    }
    st->applied = m.version;
  }
  unlock();
  return st;
}

}  // namespace novacron::coordinator
