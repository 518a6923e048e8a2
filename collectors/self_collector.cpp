#include "collectors/self_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include "base/guard.h"
#include "base/proc_file.h"
#include "base/text_parse.h"

namespace novacron::collectors {
namespace {

using metrics::MetricDef;
using metrics::MetricType;
using metrics::Sample;

constexpr metrics::MetricDef kUp{"novacron_collector_up", metrics::MetricType::kGauge, "collector",
                                 "1 if the collector's last run succeeded."};
constexpr metrics::MetricDef kDuration{"novacron_collector_duration_seconds",
                                       metrics::MetricType::kGauge, "collector",
                                       "Wall time of the collector's last run, seconds."};
constexpr metrics::MetricDef kErrors{"novacron_collector_errors_total",
                                     metrics::MetricType::kCounter, "collector",
                                     "Failed runs of the collector since the agent started."};
constexpr metrics::MetricDef kStart{"novacron_agent_start_time_seconds",
                                    metrics::MetricType::kGauge, "",
                                    "When the agent started, Unix time in seconds."};
constexpr metrics::MetricDef kCpu{"novacron_agent_cpu_seconds_total", metrics::MetricType::kCounter,
                                  "", "CPU time (user + system) the agent has used, seconds."};
constexpr metrics::MetricDef kRss{"novacron_agent_resident_memory_bytes",
                                  metrics::MetricType::kGauge, "",
                                  "Resident memory of the agent, bytes."};
constexpr metrics::MetricDef kSeries{"novacron_store_series", metrics::MetricType::kGauge, "",
                                     "Series held in the agent's in-memory metric store."};
constexpr metrics::MetricDef kPoints{"novacron_store_points", metrics::MetricType::kGauge, "",
                                     "Points held in the agent's in-memory metric store."};
constexpr metrics::MetricDef kDropped{
    "novacron_store_dropped_series_total", metrics::MetricType::kCounter, "",
    "New series refused because the store was at metrics.max_series."};
constexpr metrics::MetricDef kEvicted{
    "novacron_store_evicted_series_total", metrics::MetricType::kCounter, "",
    "Scraped series removed, those updated longest ago first, to keep a target within its byte "
    "budget (16 MiB a target, 64 MiB in all)."};
constexpr metrics::MetricDef kScrapedBytes{
    "novacron_store_scraped_bytes", metrics::MetricType::kGauge, "",
    "Bytes the scraped series hold in the store, as the budget "
    "counts them."};
constexpr metrics::MetricDef kReloadOk{"novacron_config_last_reload_successful",
                                       metrics::MetricType::kGauge, "",
                                       "1 if the last configuration load or reload succeeded."};
constexpr metrics::MetricDef kReloadTs{
    "novacron_config_last_reload_success_timestamp_seconds", metrics::MetricType::kGauge, "",
    "When the configuration was last loaded successfully, Unix time "
    "in seconds."};
constexpr metrics::MetricDef kPlaybooks{"novacron_policy_playbooks", metrics::MetricType::kGauge,
                                        "state", "Playbooks loaded, by state (enabled, disabled)."};
constexpr metrics::MetricDef kEvalSeconds{
    "novacron_policy_evaluation_duration_seconds", metrics::MetricType::kGauge, "",
    "Wall time of the last evaluation of every playbook, seconds."};
constexpr metrics::MetricDef kFiring{
    "novacron_policy_firing", metrics::MetricType::kGauge, "playbook",
    "Label sets whose condition has held for its duration (incidents open), "
    "by playbook."};
constexpr metrics::MetricDef kDryRun{"novacron_policy_dry_run", metrics::MetricType::kGauge, "",
                                     "1 in mode: dry-run (decisions are recorded, nothing runs)."};
constexpr metrics::MetricDef kInternalErrors{
    "novacron_internal_errors_total", metrics::MetricType::kCounter, "",
    "Exceptions caught at the edge of an event-loop handler since the agent started: bugs, each "
    "logged; the agent carried on."};
constexpr const metrics::MetricDef* kMetrics[] = {
    &kPlaybooks, &kEvalSeconds, &kFiring,       &kDryRun,   &kUp,       &kDuration,
    &kErrors,    &kStart,       &kCpu,          &kRss,      &kSeries,   &kPoints,
    &kDropped,   &kEvicted,     &kScrapedBytes, &kReloadOk, &kReloadTs, &kInternalErrors};

}  // namespace

std::optional<double> selfResidentBytes(ProcFile& statm) {
  auto text = statm.read();
  if (!text) return std::nullopt;
  FieldCursor f(*text);
  f.next();  // size
  auto resident = f.nextU64();
  if (!resident) return std::nullopt;
  return static_cast<double>(*resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

SelfCollector::SelfCollector(std::vector<const CollectorGroup*> groups,
                             const metrics::MetricStore& store, const ReloadStatus& reload,
                             const PolicyStats& policy, TimePoint started)
    : groups_(std::move(groups)),
      store_(store),
      reload_(reload),
      policy_(policy),
      started_(started) {}

std::span<const metrics::MetricDef* const> selfMetrics() { return kMetrics; }

std::span<const metrics::MetricDef* const> SelfCollector::metrics() const { return kMetrics; }

Result<std::vector<metrics::Sample>> SelfCollector::collect(TimePoint /*now*/,
                                                            milliseconds /*budget*/) {
  std::vector<metrics::Sample> out;
  for (const CollectorGroup* g : groups_) {
    for (const CollectorHealth& h : g->health()) {
      if (h.runs == 0) continue;
      out.push_back({&kUp, {{"collector", h.name}}, h.up ? 1.0 : 0.0});
      out.push_back({&kDuration, {{"collector", h.name}}, h.duration_seconds});
      out.push_back({&kErrors, {{"collector", h.name}}, static_cast<double>(h.errors)});
    }
  }
  out.push_back({&kStart, {}, toSeconds(started_)});
  struct rusage ru {};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) {
    auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
    out.push_back({&kCpu, {}, secs(ru.ru_utime) + secs(ru.ru_stime)});
  }
  if (auto rss = selfResidentBytes(statm_)) out.push_back({&kRss, {}, *rss});
  out.push_back({&kSeries, {}, static_cast<double>(store_.seriesCount())});
  out.push_back({&kPoints, {}, static_cast<double>(store_.pointCount())});
  out.push_back({&kDropped, {}, static_cast<double>(store_.droppedSeries())});
  out.push_back({&kEvicted, {}, static_cast<double>(store_.evictedSeries())});
  out.push_back({&kScrapedBytes, {}, static_cast<double>(store_.scrapedBytes())});
  out.push_back({&kReloadOk, {}, reload_.successful ? 1.0 : 0.0});
  out.push_back({&kReloadTs, {}, toSeconds(reload_.last_success)});
  out.push_back(
      {&kPlaybooks, {{"state", "enabled"}}, static_cast<double>(policy_.playbooks_enabled)});
  out.push_back(
      {&kPlaybooks, {{"state", "disabled"}}, static_cast<double>(policy_.playbooks_disabled)});
  out.push_back({&kEvalSeconds, {}, policy_.last_evaluation_seconds});
  for (const auto& [name, n] : policy_.firing)
    out.push_back({&kFiring, {{"playbook", name}}, static_cast<double>(n)});
  out.push_back({&kDryRun, {}, policy_.dry_run ? 1.0 : 0.0});
  out.push_back({&kInternalErrors, {}, static_cast<double>(internalErrors())});
  return out;
}

}  // namespace novacron::collectors
