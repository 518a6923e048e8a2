#include "actions/action_runners.h"
#include "actions/pg_action.h"

namespace novacron::actions {

// The runbook's data-loss response "stop writes": every new transaction read-only, reversibly.
void runPgReadonly(const ActionEnv& env, ActionRequest request, ActionDone done) {
  bool enable = request.spec.with.value("enable", true);
  pgRun(env, request,
        {enable ? "ALTER SYSTEM SET default_transaction_read_only = on"
                : "ALTER SYSTEM RESET default_transaction_read_only",
         "SELECT pg_reload_conf() AS reloaded"},
        [enable, done = std::move(done)](auto r) {
          if (!r) return done(failed(r.error().message));
          done({RunState::kDone,
                {{"read_only", enable}, {"reloaded", r->back().get(0, "reloaded") == "t"}}});
        });
}

}  // namespace novacron::actions
