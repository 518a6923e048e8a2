#include "actions/action.h"

#include "actions/action_runners.h"
#include "io/http_client.h"
#include "policy/action_types.h"
#include "policy/substitute.h"

namespace novacron::actions {

ActionOutcome failed(const std::string& error) {
  return {"failed", nlohmann::json{{"error", error}}};
}

Result<void> checkValues(const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values) {
  const nlohmann::json& with = spec.with;
  if (spec.type == "exec") {
    std::vector<std::string> templates;
    const nlohmann::json argv = with.value("argv", nlohmann::json::array());
    for (const auto& a : argv) {
      if (a.is_string()) templates.push_back(a.get<std::string>());
    }
    if (auto filled = policy::substituteArgv(templates, values); !filled) return filled.error();
  } else if (spec.type == "http_request") {
    const nlohmann::json headers = with.value("headers", nlohmann::json::object());
    for (const auto& [name, value] : headers.items()) {
      if (!value.is_string()) continue;
      auto v = policy::substitute(value.get<std::string>(), values);
      if (!v) return v.error();
      if (auto why = headerProblem(name, *v))
        return makeError(ErrorCode::kInvalidArgument, "header " + name + ": " + *why);
    }
  } else if (spec.type == "systemd_restart") {
    auto unit = policy::substitute(with.value("unit", std::string()), values);
    if (!unit) return unit.error();
    if (!policy::isUnitName(*unit))
      return makeError(ErrorCode::kInvalidArgument, "'" + *unit + "' is not a systemd unit name");
  }
  return {};
}

Result<RunCgroupPtr> runCgroup(const ActionEnv& env, const ActionRequest& request) {
  if (!env.containment) return RunCgroupPtr();
  return env.containment->create("run-" + std::to_string(request.run_id), request.spec.resources);
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
