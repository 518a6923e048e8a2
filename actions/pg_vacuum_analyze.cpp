#include <algorithm>
#include <cctype>

#include "actions/action_runners.h"
#include "actions/pg_action.h"

namespace novacron::actions {

// VACUUM (ANALYZE) of one table (schema.table, quoted part by part) or of the whole database,
// bounded by the action's timeout as statement_timeout.
void runPgVacuumAnalyze(const ActionEnv& env, ActionRequest request, ActionDone done) {
  std::string table = request.spec.with.value("table", std::string());
  std::string target;
  size_t start = 0;
  while (!table.empty() && start <= table.size()) {
    size_t dot = table.find('.', start);
    std::string part =
        table.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool plain = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!plain) return done(failed("'" + table + "' is not a table name (schema.table)"));
    target += (target.empty() ? "" : ".") + ("\"" + part + "\"");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::string sql = "VACUUM (ANALYZE)" + (target.empty() ? "" : " " + target);
  pgRun(env, request, {sql}, [table, done = std::move(done)](auto r) {
    if (!r) return done(failed(r.error().message));
    done({RunState::kDone, {{"vacuumed", table.empty() ? "the whole database" : table}}});
  });
}

}  // namespace novacron::actions
