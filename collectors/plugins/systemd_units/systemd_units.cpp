#include "collectors/plugins/systemd_units/systemd_units.h"

#include "collectors/instance_set.h"
#include "collectors/plugins/systemd_units/systemctl_show.h"
#include "collectors/polled_instance.h"
#include "io/process_runner.h"

namespace novacron::collectors {

namespace {

using namespace std::chrono_literals;
using T = metrics::MetricType;

constexpr metrics::MetricDef kUp{
    "novacron_systemd_up", T::kGauge, "instance",
    "1 if the last read of the units' states from systemctl succeeded within its timeout."};
constexpr metrics::MetricDef kActive{"novacron_systemd_unit_active", T::kGauge, "unit",
                                     "1 if the unit's ActiveState is active (or reloading)."};
constexpr metrics::MetricDef kFailed{"novacron_systemd_unit_failed", T::kGauge, "unit",
                                     "1 if the unit's ActiveState is failed."};
constexpr metrics::MetricDef kRestarts{
    "novacron_systemd_unit_restarts_total", T::kCounter, "unit",
    "Automatic restarts systemd made of the unit (NRestarts) since it was last started by hand."};
constexpr metrics::MetricDef kState{
    "novacron_systemd_unit_state", T::kGauge, "unit,active_state,sub_state",
    "1 for the unit's current ActiveState and SubState, as labels."};
constexpr metrics::MetricDef kUnitsFailed{"novacron_systemd_units_failed", T::kGauge, "",
                                          "Units whose ActiveState is failed."};
constexpr metrics::MetricDef kUnitsCut{"novacron_systemd_units_left_out", T::kGauge, "",
                                       "Units beyond max_units that were read but not reported."};
constexpr const metrics::MetricDef* kMetrics[] = {&kUp,    &kActive,      &kFailed,  &kRestarts,
                                                  &kState, &kUnitsFailed, &kUnitsCut};

constexpr OptionSpec kOptions[] = {
    {"interval", OptionSpec::Type::kDuration, "30s", 1'000, 3'600'000,
     "how often the states are read"},
    {"timeout", OptionSpec::Type::kDuration, "5s", 100, 60'000, "how long systemctl may take"},
    {"pattern", OptionSpec::Type::kString, "*.service", 0, 0,
     "the units, as a `systemctl show` pattern"},
    {"max_units", OptionSpec::Type::kInteger, "500", 1, 10'000,
     "the most units reported (series are per unit)"},
};

// systemctl is a child process on the loop: no connection to keep, so always "connected".
class SystemdUnits final : public PolledInstance {
 public:
  SystemdUnits(const PluginContext& c, const PluginSettings& s)
      : PolledInstance(c.io, c.clock, {"systemd", s.duration("interval"), &kUp}, c.sink),
        io_(c.io),
        systemctl_(c.systemctl),
        timeout_(s.duration("timeout")),
        pattern_(s.string("pattern")),
        max_units_(static_cast<size_t>(s.integer("max_units"))) {}
  ~SystemdUnits() override { stop(); }

 private:
  bool connected() const override { return true; }
  void connect(std::function<void(Result<void>)> done) override { done({}); }

  void collect(bool) override {
    io::ProcessSpec spec;
    // `--` ends the options: the pattern is the operator's, and never one.
    spec.argv = {systemctl_, "show", "--property=Id,LoadState,ActiveState,SubState,NRestarts", "--",
                 pattern_};
    spec.env = io::baseEnvironment();
    spec.timeout = timeout_;
    spec.kill_grace = 200ms;
    spec.max_output = 4 << 20;
    io::runProcess(io_, std::move(spec), whileRunning([this](io::ProcessResult r) {
                     if (!r.started) return finish({}, r.error);
                     if (r.timed_out) return finish({}, "systemctl did not answer in time");
                     if (r.exit_code != 0)
                       return finish({}, "systemctl show exited " + std::to_string(r.exit_code) +
                                             (r.err.empty() ? "" : ": " + r.err.substr(0, 200)));
                     if (r.out_truncated) return finish({}, "systemctl show said more than 4 MiB");
                     finish(samples(r.out), "");
                   }));
  }

  std::vector<metrics::Sample> samples(const std::string& text) const {
    size_t dropped = 0;
    std::vector<metrics::Sample> out;
    double failed = 0;
    for (const UnitState& u : parseSystemctlShow(text, max_units_, &dropped)) {
      if (u.load_state == "not-found") continue;  // named by the pattern, not there
      metrics::Labels unit = {{"unit", u.id}};
      bool is_failed = u.active_state == "failed";
      failed += is_failed ? 1 : 0;
      out.push_back({&kActive, unit,
                     u.active_state == "active" || u.active_state == "reloading" ? 1.0 : 0.0});
      out.push_back({&kFailed, unit, is_failed ? 1.0 : 0.0});
      if (u.restarts) out.push_back({&kRestarts, unit, static_cast<double>(*u.restarts)});
      out.push_back({&kState,
                     {{"active_state", u.active_state}, {"sub_state", u.sub_state}, {"unit", u.id}},
                     1.0});
    }
    out.push_back({&kUnitsFailed, {}, failed});
    out.push_back({&kUnitsCut, {}, static_cast<double>(dropped)});
    return out;
  }

  boost::asio::io_context& io_;
  std::string systemctl_;
  std::chrono::milliseconds timeout_;
  std::string pattern_;
  size_t max_units_;
};

// One instance: a Source of one polled instance, its row in the status matrix.
class SystemdUnitsSource final : public Source {
 public:
  SystemdUnitsSource(const PluginContext& c, const PluginSettings& s) : units_(c, s) {
    units_.start();
  }
  std::string_view name() const override { return "systemd_units"; }
  void stop() override { units_.stop(); }
  void latest(Batches& out) const override { out.add(units_.health().latest); }
  void status(std::vector<SourceStatus>& rows) const override {
    rows.push_back(units_.health().row("systemd units"));
  }

 private:
  SystemdUnits units_;
};

std::unique_ptr<Source> make(const PluginContext& c, const PluginSettings& s) {
  return std::make_unique<SystemdUnitsSource>(c, s);
}

std::span<const metrics::MetricDef* const> metricDefs() { return kMetrics; }

}  // namespace

const SourcePlugin kSystemdUnitsPlugin = {
    "systemd_units",
    "every unit's state from `systemctl show`: active, failed, restarts, ActiveState/SubState",
    kOptions, make, metricDefs};

}  // namespace novacron::collectors
