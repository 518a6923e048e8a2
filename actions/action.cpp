#include "actions/action.h"

#include "actions/registry.h"

namespace novacron::actions {

ActionOutcome failed(const std::string& error) {
  return {"failed", nlohmann::json{{"error", error}}};
}

Result<void> checkValues(const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values) {
  const ActionType* t = findActionType(spec.type);
  return t && t->check ? t->check(spec.with, values) : Result<void>{};
}

Result<RunCgroupPtr> runCgroup(const ActionEnv& env, const ActionRequest& request) {
  if (!env.containment) return RunCgroupPtr();
  return env.containment->create("run-" + std::to_string(request.run_id), request.spec.resources);
}

void runAction(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const ActionType* t = findActionType(request.spec.type);
  if (!t) {
    done(failed("unknown action type " + request.spec.type));
    return;
  }
  if (t->root && env.broker) {
    if (t->prepare) t->prepare(env, request);
    env.broker(std::move(request), std::move(done));
    return;
  }
  t->run(env, std::move(request), std::move(done));
}

}  // namespace novacron::actions
