#include <pwd.h>
#include <unistd.h>

#include "actions/action_runners.h"
#include "io/orphans.h"
#include "io/process_runner.h"
#include "policy/substitute.h"

namespace novacron::actions {

using json = nlohmann::json;

namespace {

// The process an exec action describes, or why it cannot run. Placeholders are filled inside
// each argument and never split it.
Result<io::ProcessSpec> processSpec(const ActionRequest& request) {
  const json& with = request.spec.with;
  io::ProcessSpec spec;
  spec.env = io::baseEnvironment();
  spec.timeout = request.spec.timeout;
  std::vector<std::string> templates;
  for (const auto& arg : with.value("argv", json::array())) {
    if (!arg.is_string()) return makeError(ErrorCode::kMalformed, "argv items are strings");
    templates.push_back(arg.get<std::string>());
  }
  if (templates.empty()) return makeError(ErrorCode::kInvalidArgument, "argv is empty");
  auto argv = policy::substituteArgv(templates, request.values);
  if (!argv) return argv.error();
  spec.argv = std::move(*argv);
  // The allow-list: only the variables the playbook names, on top of PATH and LANG.
  const json env = with.value("env", json::object());
  for (const auto& [name, value] : env.items()) {
    if (!value.is_string()) return makeError(ErrorCode::kMalformed, "env values are strings");
    auto s = policy::substitute(value.get<std::string>(), request.values);
    if (!s) return s.error();
    if (s->find('\0') != std::string::npos)
      return makeError(ErrorCode::kInvalidArgument, "env " + name + " would hold a NUL byte");
    const std::string key = name + "=";
    std::erase_if(spec.env, [&key](const std::string& e) { return e.starts_with(key); });
    spec.env.push_back(key + *s);
  }
  std::erase_if(spec.env, [](const std::string& e) { return e.starts_with("NOVACRON_RUN="); });
  if (with.contains("user")) {
    std::string user = with.value("user", std::string());
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwnam_r(user.c_str(), &pw, buf, sizeof(buf), &found) != 0 || !found) {
      return makeError(ErrorCode::kNotFound, "no user " + user);
    }
    spec.uid = pw.pw_uid;
    spec.gid = pw.pw_gid;
    spec.env.push_back("HOME=" + std::string(pw.pw_dir));
    spec.env.push_back("USER=" + user);
  }
  if (with.contains("cwd")) spec.cwd = with.value("cwd", std::string("/"));
  if (!request.marker.empty())
    spec.env.push_back(io::runEnvironment(request.marker, spec.uid.value_or(::geteuid())));
  return spec;
}

}  // namespace

json processResultJson(const io::ProcessResult& r) {
  json j = {{"started", r.started},
            {"error", r.error},
            {"exit_code", r.exit_code},
            {"signal", r.signal},
            {"timed_out", r.timed_out},
            {"killed", r.killed},
            {"stdout", r.out},
            {"stderr", r.err},
            {"stdout_bytes", r.out_bytes},
            {"stderr_bytes", r.err_bytes},
            {"duration_ms", r.duration.count()},
            {"containment", r.containment},
            {"left_behind", r.left_behind}};
  if (r.usage.memory_peak) j["memory_peak_bytes"] = *r.usage.memory_peak;
  if (r.usage.cpu_seconds) j["cpu_seconds"] = *r.usage.cpu_seconds;
  if (r.containment == "cgroup") j["oom_kills"] = r.usage.oom_kills;
  if (r.oom_killed && r.error.empty())
    j["error"] = "killed by the kernel's OOM killer: over the action's memory_max";
  return j;
}

RunState processState(const io::ProcessResult& r) {
  if (!r.started) return RunState::kFailed;
  if (r.oom_killed) return RunState::kOomKilled;
  if (r.timed_out) return RunState::kTimedOut;
  return r.exit_code == 0 ? RunState::kDone : RunState::kFailed;
}

void runExec(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto spec = processSpec(request);
  if (!spec) {
    done(failed(spec.error().message));
    return;
  }
  auto cgroup = runCgroup(env, request);
  if (!cgroup) return done(failed(cgroup.error().message + "; the action did not run"));
  spec->cgroup = std::move(*cgroup);
  spec->marker = request.marker;
  spec->on_started = request.on_started;
  io::runProcess(env.io, std::move(*spec), [done = std::move(done)](io::ProcessResult r) {
    done({processState(r), processResultJson(r)});
  });
}

Result<Expectation> expectExec(const nlohmann::json& with,
                               const std::map<std::string, std::string>& values) {
  std::vector<std::string> templates;
  const nlohmann::json argv = with.value("argv", nlohmann::json::array());
  for (const auto& a : argv) {
    if (a.is_string()) templates.push_back(a.get<std::string>());
  }
  auto filled = policy::substituteArgv(templates, values);
  if (!filled) return filled.error();
  return Expectation{{"argv", Expected::Compare::kSequence, std::move(*filled)}};
}

Result<void> checkExecValues(const nlohmann::json& with,
                             const std::map<std::string, std::string>& values) {
  if (auto e = expectExec(with, values); !e) return e.error();
  return {};
}

}  // namespace novacron::actions
