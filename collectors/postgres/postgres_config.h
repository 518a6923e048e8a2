#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace novacron::collectors {

/// A custom SQL metric of a PostgreSQL instance: one number, read-only, on its own interval.
struct PgQueryConfig {
  std::string name;
  std::string sql;
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  friend bool operator==(const PgQueryConfig&, const PgQueryConfig&) = default;
};

/// A PostgreSQL instance (collectors.postgres). The connection string lives in `dsn_file`,
/// which only root may read; it is read at every connection attempt and never logged.
struct PostgresConfig {
  std::string name;  ///< the `instance` label
  std::filesystem::path dsn_file;
  /// Who the server must run as (or root) when it is on this host (Debian's: postgres): nothing,
  /// a password least of all, goes to whoever listened on its port first.
  std::string server_user = "postgres";
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds long_query_threshold{std::chrono::minutes(5)};
  std::vector<PgQueryConfig> queries;
  friend bool operator==(const PostgresConfig&, const PostgresConfig&) = default;
};

}  // namespace novacron::collectors
