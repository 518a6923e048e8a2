#pragma once
// What the store's files share: one prepared SQLite statement and the time conversions. Included
// only by incidents/store*.cpp.
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "incidents/store.h"

namespace novacron::incidents {

inline int64_t ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint fromMs(int64_t v) { return TimePoint{milliseconds(v)}; }

// One prepared statement, finalized on every path.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bindOpt(int i, std::optional<TimePoint> t) {
    if (t)
      sqlite3_bind_int64(s_, i, ms(*t));
    else
      sqlite3_bind_null(s_, i);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  /// Ready to step again, with the same bindings.
  void reset() { sqlite3_reset(s_); }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  std::optional<TimePoint> optTime(int col) const {
    if (sqlite3_column_type(s_, col) == SQLITE_NULL) return std::nullopt;
    return fromMs(integer(col));
  }
  Error error(const std::string& what) const { return dbError(db_, what); }

  static Error dbError(sqlite3* db, const std::string& what) {
    int code = sqlite3_errcode(db);
    ErrorCode c = ErrorCode::kIo;
    if (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN)
      c = ErrorCode::kPermission;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) c = ErrorCode::kUnavailable;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) c = ErrorCode::kMalformed;
    if (code == SQLITE_CONSTRAINT) c = ErrorCode::kInvalidArgument;
    return makeError(c, "store: " + what + ": " + sqlite3_errmsg(db));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

/// Steps `s` once: an error unless it ran.
Result<void> done(Stmt& s, const std::string& what);
/// Every row of `s` as events (seq, incident, at, kind, data).
Result<std::vector<EventRecord>> readEvents(Stmt& s, const std::string& what);

}  // namespace novacron::incidents
