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
      {"systemd_restart", runSystemdRestart},
  };
  auto it = kRunners.find(request.spec.type);
  if (it == kRunners.end()) {
    // The PostgreSQL actions arrive with the database collector; until then they fail loudly.
    done(failed("action type " + request.spec.type + " needs the PostgreSQL collector"));
    return;
  }
  it->second(env, std::move(request), std::move(done));
}

}  // namespace novacron::actions
