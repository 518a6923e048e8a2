#include "collectors/probes/probe.h"
#include "io/http_client.h"

namespace novacron::collectors {

// Up when the URL answers with the expected status within the timeout.
void httpProbe(boost::asio::io_context& io, const collectors::ProbeConfig& probe, ProbeDone done) {
  io::HttpClientRequest req;
  req.url = probe.target;
  req.timeout = probe.timeout;
  req.max_response = 64 * 1024;
  int expect = probe.expect_status;
  io::httpRequest(io, std::move(req), [done = std::move(done), expect](auto r) {
    ProbeResult out;
    out.latency = r.duration;
    out.ok = r.status == expect;
    if (!out.ok) {
      out.error =
          r.status ? "status " + std::to_string(r.status) + ", expected " + std::to_string(expect)
                   : r.error;
    }
    done(std::move(out));
  });
}

}  // namespace novacron::collectors
