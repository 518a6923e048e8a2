#include "actions/pg_action.h"

#include <memory>

namespace novacron::actions {

using json = nlohmann::json;

std::string sqlLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\0') continue;
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string sessionFilter(const json& with) {
  // Monitoring sessions (members of pg_monitor that are not superusers, as monitoring roles
  // are granted) are left alone like the agent's own.
  std::string f =
      "backend_type = 'client backend' AND pid <> pg_backend_pid() AND "
      "COALESCE(application_name, '') NOT LIKE 'novacron-agent%' AND NOT COALESCE("
      "(SELECT pg_has_role(r.oid, 'pg_monitor', 'MEMBER') AND NOT r.rolsuper FROM pg_roles r "
      "WHERE r.oid = usesysid), false)";
  for (const auto& [key, column] : {std::pair{"databases", "datname"}, {"users", "usename"}}) {
    if (!with.contains(key) || with[key].empty()) continue;
    std::string list;
    for (const auto& v : with[key])
      list += (list.empty() ? "" : ", ") + sqlLiteral(v.get<std::string>());
    f += std::string(" AND ") + column + " IN (" + list + ")";
  }
  return f;
}

json sessionsJson(const io::PgResult& rows, const char* done_column) {
  json out = json::array();
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    auto num = [&](const char* c) { return std::stod(rows.get(i, c).value_or("0")); };
    out.push_back({{"pid", static_cast<int64_t>(num("pid"))},
                   {"user", rows.get(i, "usename").value_or("")},
                   {"database", rows.get(i, "datname").value_or("")},
                   {"age_seconds", num("age")},
                   {"query", rows.get(i, "query").value_or("")},
                   {done_column, rows.get(i, "done").value_or("f") == "t"}});
  }
  return out;
}

namespace {

// Statements one at a time: VACUUM and ALTER SYSTEM refuse to run in the implicit transaction
// of a multi-statement string.
void runEach(std::shared_ptr<io::PgConnection> conn, std::vector<std::string> sql, size_t index,
             std::vector<io::PgResult> results, milliseconds timeout,
             std::function<void(Result<std::vector<io::PgResult>>)> done) {
  if (index == sql.size()) return done(std::move(results));
  std::string statement = sql[index];
  conn->query(statement, timeout,
              [conn, sql = std::move(sql), index, results = std::move(results), timeout,
               done = std::move(done)](Result<std::vector<io::PgResult>> r) mutable {
                if (!r) return done(r.error());
                for (auto& x : *r) results.push_back(std::move(x));
                runEach(conn, std::move(sql), index + 1, std::move(results), timeout,
                        std::move(done));
              });
}

}  // namespace

void pgRun(const ActionEnv& env, const ActionRequest& request, std::vector<std::string> sql,
           std::function<void(Result<std::vector<io::PgResult>>)> done) {
  const auto& instances = env.settings.postgres;
  std::string name = request.spec.with.value("instance", std::string());
  const collectors::PostgresConfig* pg = nullptr;
  for (const auto& p : instances) {
    if (name.empty() || p.name == name) {
      pg = &p;
      break;
    }
  }
  if (!pg) {
    return done(makeError(ErrorCode::kNotFound, instances.empty()
                                                    ? "no PostgreSQL instance is configured "
                                                      "(collectors.postgres)"
                                                    : "no PostgreSQL instance named " + name));
  }
  auto dsn = io::readDsn(pg->dsn_file);
  if (!dsn) return done(dsn.error());
  auto conn = io::PgConnection::create(env.io);
  milliseconds timeout = request.spec.timeout;
  sql.insert(sql.begin(), "SET statement_timeout = " + std::to_string(timeout.count()) +
                              "; SET application_name = 'novacron-agent-action'");
  conn->connect(
      *dsn, std::min(timeout, milliseconds(10000)),
      [conn, sql = std::move(sql), timeout, done = std::move(done)](Result<void> r) mutable {
        if (!r) return done(r.error());
        runEach(conn, std::move(sql), 0, {}, timeout,
                [conn, done = std::move(done)](auto results) mutable {
                  done(std::move(results));
                  conn->close();
                });
      },
      pg->server_user, "the PostgreSQL instance " + pg->name);
}

}  // namespace novacron::actions
