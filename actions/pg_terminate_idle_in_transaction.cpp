#include "actions/action_runners.h"
#include "actions/pg_action.h"
#include "base/duration.h"

namespace novacron::actions {

// Sessions idle inside a transaction for longer than `older_than` hold locks and connections
// for nothing: their backends are ended.
void runPgTerminateIdleInTransaction(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto older = parseDuration(request.spec.with.value("older_than", std::string("5m")));
  std::string sql =
      "SELECT pid, usename, datname, EXTRACT(EPOCH FROM now() - state_change) AS age, "
      "left(query, 200) AS query, pg_terminate_backend(pid) AS done FROM pg_stat_activity "
      "WHERE state LIKE 'idle in transaction%' AND now() - state_change > interval '" +
      std::to_string(older ? older->count() : 300000) + " milliseconds' AND " +
      sessionFilter(request.spec.with);
  pgRun(env, request, {sql}, [done = std::move(done)](auto r) {
    if (!r) return done(failed(r.error().message));
    done({RunState::kDone, {{"terminated", sessionsJson(r->back(), "terminated")}}});
  });
}

}  // namespace novacron::actions
