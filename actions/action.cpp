#include "actions/action.h"

#include "actions/action_runners.h"

namespace novacron::actions {

ActionOutcome failed(const std::string& error) {
  return {"failed", nlohmann::json{{"error", error}}};
}

void runAction(const ActionEnv& env, ActionRequest request, ActionDone done) {
  using Runner = void (*)(const ActionEnv&, ActionRequest, ActionDone);
  static const std::map<std::string, Runner, std::less<>> kRunners = {
      {"diagnostics_report", runDiagnosticsReport},
      {"escalate", runEscalate},
      {"evidence_bundle", runEvidenceBundle},
      {"exec", runExec},
      {"http_request", runHttpRequest},
      {"notify", runNotify},
      {"pg_cancel_long_queries", runPgCancelLongQueries},
      {"pg_readonly", runPgReadonly},
      {"pg_terminate_idle_in_transaction", runPgTerminateIdleInTransaction},
      {"pg_vacuum_analyze", runPgVacuumAnalyze},
      {"systemd_restart", runSystemdRestart},
  };
  auto it = kRunners.find(request.spec.type);
  if (it == kRunners.end()) {
    done(failed("unknown action type " + request.spec.type));
    return;
  }
  it->second(env, std::move(request), std::move(done));
}

}  // namespace novacron::actions
