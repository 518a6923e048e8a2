#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "collectors/probes/probe_config.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

using std::chrono::milliseconds;

/// One check of a service.
struct ProbeResult {
  bool ok = false;
  milliseconds latency{0};
  std::string error;  ///< why it failed
};
using ProbeDone = std::function<void(ProbeResult)>;

/// One check each; `done` runs on the loop exactly once, within the probe's timeout (plus a
/// little for systemctl to be reaped). Nothing blocks the loop.
void httpProbe(boost::asio::io_context& io, const collectors::ProbeConfig& probe, ProbeDone done);
void tcpProbe(boost::asio::io_context& io, const collectors::ProbeConfig& probe, ProbeDone done);
void systemdProbe(boost::asio::io_context& io, const collectors::ProbeConfig& probe,
                  const std::string& systemctl, ProbeDone done);

}  // namespace novacron::collectors
