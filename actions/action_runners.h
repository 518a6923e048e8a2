#pragma once

#include "actions/action.h"

namespace novacron::io {
struct ProcessResult;
}

// One runner per action type, each in its own file; runAction() picks one by type.
namespace novacron::actions {

/// A child's result as an action result, and the run state it means.
nlohmann::json processResultJson(const io::ProcessResult& r);
RunState processState(const io::ProcessResult& r);

void runExec(const ActionEnv& env, ActionRequest request, ActionDone done);
void runSystemdRestart(const ActionEnv& env, ActionRequest request, ActionDone done);
void runHttpRequest(const ActionEnv& env, ActionRequest request, ActionDone done);
void runNotify(const ActionEnv& env, ActionRequest request, ActionDone done);
void runEvidenceBundle(const ActionEnv& env, ActionRequest request, ActionDone done);
void prepareEvidenceBundle(const ActionEnv& env, ActionRequest& request);
void runFirewallBlock(const ActionEnv& env, ActionRequest request, ActionDone done);
void runFirewallUnblock(const ActionEnv& env, ActionRequest request, ActionDone done);
void runDiagnosticsReport(const ActionEnv& env, ActionRequest request, ActionDone done);
void runEscalate(const ActionEnv& env, ActionRequest request, ActionDone done);
void runPgCancelLongQueries(const ActionEnv& env, ActionRequest request, ActionDone done);
void runPgTerminateIdleInTransaction(const ActionEnv& env, ActionRequest request, ActionDone done);
void runPgReadonly(const ActionEnv& env, ActionRequest request, ActionDone done);
void runPgVacuumAnalyze(const ActionEnv& env, ActionRequest request, ActionDone done);
void runRedisCommand(const ActionEnv& env, ActionRequest request, ActionDone done);

// The value checks of the types whose templates take values from the host (registry.h).
Result<void> checkExecValues(const nlohmann::json& with,
                             const std::map<std::string, std::string>& values);
Result<void> checkHttpRequestValues(const nlohmann::json& with,
                                    const std::map<std::string, std::string>& values);
/// A firewall_block's `timeout` (default 1h, 1s to 30d).
Result<std::chrono::seconds> firewallTimeout(const nlohmann::json& with);
Result<void> checkBlockValues(const nlohmann::json& with,
                              const std::map<std::string, std::string>& values);
Result<void> checkFirewallValues(const nlohmann::json& with,
                                 const std::map<std::string, std::string>& values);
Result<void> checkSystemdRestartValues(const nlohmann::json& with,
                                       const std::map<std::string, std::string>& values);

// What a run of the types that need root is expected to do (registry.h, `expect`).
Result<Expectation> expectExec(const nlohmann::json& with,
                               const std::map<std::string, std::string>& values);
Result<Expectation> expectSystemdRestart(const nlohmann::json& with,
                                         const std::map<std::string, std::string>& values);
Result<Expectation> expectEvidenceBundle(const nlohmann::json& with,
                                         const std::map<std::string, std::string>& values);
Result<Expectation> expectBlock(const nlohmann::json& with,
                                const std::map<std::string, std::string>& values);
Result<Expectation> expectUnblock(const nlohmann::json& with,
                                  const std::map<std::string, std::string>& values);

}  // namespace novacron::actions
