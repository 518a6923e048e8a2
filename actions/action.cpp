#include "actions/action.h"

#include <pwd.h>

#include "actions/registry.h"

namespace novacron::actions {

namespace {
constexpr std::pair<RunState, std::string_view> kRunStates[] = {
    {RunState::kRunning, "running"},      {RunState::kDone, "done"},
    {RunState::kFailed, "failed"},        {RunState::kTimedOut, "timed_out"},
    {RunState::kOomKilled, "oom_killed"}, {RunState::kInterrupted, "interrupted"},
    {RunState::kSkipped, "skipped"}};
}  // namespace

std::string_view runStateName(RunState s) {
  for (const auto& [state, name] : kRunStates) {
    if (state == s) return name;
  }
  return "failed";
}

std::optional<RunState> parseRunState(std::string_view text) {
  for (const auto& [state, name] : kRunStates) {
    if (name == text) return state;
  }
  return std::nullopt;
}

ActionOutcome failed(const std::string& error) {
  return {RunState::kFailed, nlohmann::json{{"error", error}}};
}

Result<void> checkValues(const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values) {
  const ActionType* t = findActionType(spec.type);
  return t && t->check ? t->check(spec.with, values) : Result<void>{};
}

Result<void> checkLabels(const policy::Playbook& playbook, const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values, bool from_application) {
  const ActionType* t = findActionType(spec.type);
  for (const auto& name : policy::labelsUsed(spec.with)) {
    auto v = values.find("labels." + name);
    if (v == values.end()) continue;  // substitution says what is missing
    const policy::LabelType& type = policy::labelTypeOf(playbook.label_types, name);
    if (auto r = policy::checkLabelValue(name, type, v->second); !r) return r;
    if (type.kind == policy::LabelKind::kUser) {
      struct passwd pw {};
      struct passwd* found = nullptr;
      char buf[4096];
      if (::getpwnam_r(v->second.c_str(), &pw, buf, sizeof(buf), &found) != 0 || !found)
        return makeError(ErrorCode::kInvalidArgument,
                         "label " + name + ": no user '" + v->second + "' on this host");
      if (found->pw_uid == 0 && !type.allow_root)
        return makeError(ErrorCode::kInvalidArgument,
                         "label " + name + ": user '" + v->second +
                             "' is root (uid 0), which the playbook does not allow");
    }
    if (from_application && t && t->needsRoot() && !type.from_scrape)
      return makeError(ErrorCode::kPermission,
                       "label " + name + " comes from an application's series, and " + spec.id +
                           " needs root: only a label declared from_scrape: true may reach it");
  }
  return {};
}

Result<io::RunCgroupPtr> runCgroup(const ActionEnv& env, const ActionRequest& request) {
  if (!env.containment) return io::RunCgroupPtr();
  return env.containment->create("run-" + std::to_string(request.run_id), request.spec.resources);
}

void runAction(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const ActionType* t = findActionType(request.spec.type);
  if (!t) {
    done(failed("unknown action type " + request.spec.type));
    return;
  }
  if (t->needsRoot() && env.broker) {
    if (t->prepare) t->prepare(env, request);
    env.broker(std::move(request), std::move(done));
    return;
  }
  t->run(env, std::move(request), std::move(done));
}

}  // namespace novacron::actions
