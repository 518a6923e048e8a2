#pragma once

#include <functional>
#include <string>
#include <vector>

#include "actions/action.h"
#include "io/postgres/pg_connection.h"

// What the PostgreSQL actions share: the instance's connection, SQL literals, session rows.
namespace novacron::actions {

/// 'text' as an SQL literal (standard_conforming_strings, the default since 9.1).
std::string sqlLiteral(const std::string& text);

/// The sessions an action may touch: client backends other than its own, the agent's
/// (application_name novacron-agent*) and monitoring roles' (pg_monitor members that are not
/// superusers), optionally only in `databases` / for `users`.
std::string sessionFilter(const nlohmann::json& with);

/// Rows of pid, usename, datname, age, query as the JSON an action records.
nlohmann::json sessionsJson(const io::PgResult& rows, const char* done_column);

/// Connects to the instance the action names (`with.instance`, default the first configured),
/// with the action's timeout as statement_timeout, then runs `sql` statement by statement:
/// `done` gets every result, or why not. The connection lives until `done` returns.
void pgRun(const ActionEnv& env, const ActionRequest& request, std::vector<std::string> sql,
           std::function<void(Result<std::vector<io::PgResult>>)> done);

}  // namespace novacron::actions
