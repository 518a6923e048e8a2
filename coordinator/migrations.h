#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace novacron::io {
class PgConnection;
}

namespace novacron::coordinator {

class SyncDb;

/// One versioned step of the schema: coordinator/migrations/NNNN_name.sql, built in.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration this coordinator knows, in order (generated from coordinator/migrations/).
std::vector<Migration> migrations();

/// Where the database's schema stands against this coordinator's migrations.
struct SchemaState {
  int applied = 0;                 ///< the highest version applied (0: none)
  std::vector<Migration> pending;  ///< known and not applied, in order
};

/// Applies what is pending, each in its own transaction, under an advisory lock: coordinators
/// starting together apply each migration once, the others wait and find nothing left to do. A
/// database whose schema is newer than this coordinator knows, or whose applied migration's text
/// differs from ours, is an error: nothing is written to a schema we do not understand.
Result<SchemaState> migrate(SyncDb& db);
/// The same, without changing anything.
Result<SchemaState> checkSchema(SyncDb& db);

}  // namespace novacron::coordinator
