#include "collectors/probes/probe_set.h"

#include "base/guard.h"
#include "base/text.h"
#include "collectors/cycle_timer.h"
#include "collectors/probes/probe_metrics.h"
#include "collectors/source_options.h"

namespace novacron::collectors {

struct ProbeSet::Probe {
  Probe(boost::asio::io_context& io, collectors::ProbeConfig c) : config(std::move(c)), cycle(io) {}
  collectors::ProbeConfig config;
  CycleTimer cycle;
  std::deque<std::pair<TimePoint, bool>> outcomes;  ///< within the window
  ProbeHealth health;
  std::vector<metrics::Sample> latest;
};

ProbeSet::ProbeSet(boost::asio::io_context& io, const Clock& clock, std::string systemctl,
                   Sink sink)
    : io_(io), clock_(clock), systemctl_(std::move(systemctl)), sink_(std::move(sink)) {}

ProbeSet::~ProbeSet() { stop(); }

void ProbeSet::stop() {
  for (auto& p : probes_) p->cycle.stop();
  probes_.clear();
}

void ProbeSet::configure(const std::vector<collectors::ProbeConfig>& probes) {
  stop();
  for (const auto& c : probes) {
    auto p = std::make_shared<Probe>(io_, c);
    p->health = {};
    p->health.name = c.name;
    p->health.type = c.type;
    p->health.target = c.target;
    probes_.push_back(p);
    // A raw pointer: the probe owns its cycle, and nothing of a stopped cycle runs.
    p->cycle.start([this, probe = p.get()] { check(*probe); });
  }
}

void ProbeSet::check(Probe& probe) {
  Probe* p = &probe;
  auto started = std::chrono::steady_clock::now();
  // Reconfigured or stopping: the probe (and `this`) may be gone, and the callback does nothing.
  auto done = p->cycle.whileRunning([this, p, started](ProbeResult r) {
    guarded("probe " + p->config.name, [&] { record(*p, r, started); });
    p->cycle.end(p->config.interval);
  });
  if (p->config.type == "http")
    httpProbe(io_, p->config, std::move(done));
  else if (p->config.type == "tcp")
    tcpProbe(io_, p->config, std::move(done));
  else
    systemdProbe(io_, p->config, systemctl_, std::move(done));
}

void ProbeSet::record(Probe& probe, const ProbeResult& r,
                      std::chrono::steady_clock::time_point started) {
  {
    Probe* p = &probe;
    TimePoint now = clock_.now();
    p->outcomes.emplace_back(now, r.ok);
    while (!p->outcomes.empty() && p->outcomes.front().first <= now - p->config.window) {
      p->outcomes.pop_front();
    }
    size_t failed = 0;
    for (const auto& o : p->outcomes) failed += !o.second;
    ProbeHealth& h = p->health;
    // Timed here, to the microsecond: the checks report whole milliseconds.
    h.finished(r.ok ? "" : validUtf8(r.error),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    h.error_ratio = static_cast<double>(failed) / static_cast<double>(p->outcomes.size());
    auto defs = collectors::probeMetrics();
    metrics::Labels labels = {{"probe", p->config.name}, {"type", p->config.type}};
    p->latest = {{defs[0], labels, r.ok ? 1.0 : 0.0},
                 {defs[1], labels, h.duration_seconds},
                 {defs[2], labels, h.error_ratio}};
    if (sink_) sink_(now, p->latest);
  }
}

std::vector<metrics::Sample> ProbeSet::latest() const {
  std::vector<metrics::Sample> out;
  for (const auto& p : probes_) out.insert(out.end(), p->latest.begin(), p->latest.end());
  return out;
}

std::vector<ProbeHealth> ProbeSet::health() const {
  std::vector<ProbeHealth> out;
  for (const auto& p : probes_) out.push_back(p->health);
  return out;
}

void ProbeSet::status(std::vector<collectors::SourceStatus>& rows) const {
  for (const auto& p : health())
    rows.push_back(p.row(p.type + " probe", p.error_ratio > 0, p.error_ratio, p.target));
}

const ListedSource kProbeSource =
    listedSource<ProbeSet, &SourceOptions::probes>("probes", &probeMetrics);

}  // namespace novacron::collectors
