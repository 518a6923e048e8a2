#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actions/action_runners.h"
#include "base/text.h"
#include "io/orphans.h"
#include "io/process_runner.h"
#include "policy/action_schema.h"
#include "policy/substitute.h"

namespace novacron::actions {

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr milliseconds kPoll = 500ms;

// Restarts the unit, then asks `systemctl is-active` until it says active, says failed, or the
// action's timeout passes.
struct Restart : std::enable_shared_from_this<Restart> {
  Restart(const ActionEnv& e, ActionRequest r, std::string u, ActionDone d)
      : env(e), request(std::move(r)), unit(std::move(u)), done(std::move(d)), timer(e.io) {}
  const ActionEnv& env;
  ActionRequest request;
  std::string unit;
  ActionDone done;
  boost::asio::steady_timer timer;
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::now() + request.spec.timeout;
  int polls = 0;
  io::RunCgroupPtr cgroup;  // one for the run: systemctl restart, then each is-active

  io::ProcessSpec systemctl(const std::string& verb) const {
    io::ProcessSpec spec;
    spec.argv = {env.settings.systemctl, verb, "--", unit};
    spec.env = io::baseEnvironment();
    if (!request.marker.empty())
      spec.env.push_back(io::runEnvironment(request.marker, ::geteuid()));
    spec.timeout = std::max<milliseconds>(
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now()), 1s);
    spec.kill_grace = 2s;
    spec.on_started = request.on_started;
    spec.cgroup = cgroup;
    spec.marker = request.marker;
    return spec;
  }

  void start() {
    io::runProcess(env.io, systemctl("restart"), [self = shared_from_this()](io::ProcessResult r) {
      if (processState(r) != RunState::kDone) {
        json result = processResultJson(r);
        result["unit"] = self->unit;
        result["error"] = "systemctl restart " + self->unit + " failed";
        return self->done({processState(r), std::move(result)});
      }
      self->poll();
    });
  }

  void poll() {
    io::runProcess(
        env.io, systemctl("is-active"), [self = shared_from_this()](io::ProcessResult r) {
          ++self->polls;
          std::string state = r.out.substr(0, r.out.find('\n'));
          json result = {{"unit", self->unit}, {"active_state", state}, {"checks", self->polls}};
          if (r.started && r.exit_code == 0 && state == "active") {
            return self->done({RunState::kDone, std::move(result)});
          }
          if (state == "failed" || !r.started) {
            result["error"] = r.started ? self->unit + " failed after the restart" : r.error;
            return self->done({RunState::kFailed, std::move(result)});
          }
          if (std::chrono::steady_clock::now() + kPoll >= self->deadline) {
            result["error"] = self->unit + " not active within " +
                              std::to_string(self->request.spec.timeout.count()) + " ms";
            return self->done({RunState::kTimedOut, std::move(result)});
          }
          self->timer.expires_after(kPoll);
          self->timer.async_wait([self](boost::system::error_code ec) {
            if (!ec) self->poll();
          });
        });
  }
};

}  // namespace

void runSystemdRestart(const ActionEnv& env, ActionRequest request, ActionDone done) {
  auto unit = policy::substitute(request.spec.with.value("unit", std::string()), request.values);
  if (!unit) return done(failed(unit.error().message));
  if (!policy::isUnitName(*unit)) return done(failed("'" + *unit + "' is not a systemd unit name"));
  auto cgroup = runCgroup(env, request);
  if (!cgroup) return done(failed(cgroup.error().message + "; the action did not run"));
  auto r = std::make_shared<Restart>(env, std::move(request), std::move(*unit), std::move(done));
  r->cgroup = std::move(*cgroup);
  r->start();
}

Result<Expectation> expectSystemdRestart(const nlohmann::json& with,
                                         const std::map<std::string, std::string>& values) {
  auto unit = policy::substitute(with.value("unit", std::string()), values);
  if (!unit) return unit.error();
  if (!policy::isUnitName(*unit))
    return makeError(ErrorCode::kInvalidArgument,
                     "'" + escapeControl(*unit) + "' is not a systemd unit name");
  return Expectation{{"unit", Expected::Compare::kOne, {std::move(*unit)}}};
}

Result<void> checkSystemdRestartValues(const nlohmann::json& with,
                                       const std::map<std::string, std::string>& values) {
  if (auto e = expectSystemdRestart(with, values); !e) return e.error();
  return {};
}

}  // namespace novacron::actions
