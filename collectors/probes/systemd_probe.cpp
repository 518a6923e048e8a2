#include "collectors/probes/probe.h"
#include "io/process_runner.h"

namespace novacron::collectors {

// Up when `systemctl is-active UNIT` says active.
void systemdProbe(boost::asio::io_context& io, const collectors::ProbeConfig& probe,
                  const std::string& systemctl, ProbeDone done) {
  io::ProcessSpec spec;
  spec.argv = {systemctl, "is-active", "--", probe.target};
  spec.env = io::baseEnvironment();
  spec.timeout = probe.timeout;
  spec.kill_grace = std::chrono::milliseconds(200);
  spec.max_output = 256;
  io::runProcess(io, std::move(spec), [done = std::move(done)](io::ProcessResult r) {
    ProbeResult out;
    out.latency = r.duration;
    std::string state = r.out.substr(0, r.out.find('\n'));
    out.ok = r.started && r.exit_code == 0 && state == "active";
    if (!out.ok) {
      out.error = !r.started      ? r.error
                  : r.timed_out   ? "systemctl did not answer in time"
                  : state.empty() ? "systemctl exited " + std::to_string(r.exit_code)
                                  : state;
    }
    done(std::move(out));
  });
}

}  // namespace novacron::collectors
