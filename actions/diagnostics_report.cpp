#include "actions/diagnostics_report.h"

#include <cmath>

#include "actions/action_runners.h"
#include "metrics/labels_json.h"

namespace novacron::actions {
namespace {

using namespace std::chrono_literals;
using metrics::Series;
using json = nlohmann::json;

constexpr std::string_view kAnomalyMetrics[] = {"novacron_cpu_usage_ratio",
                                                "novacron_memory_used_ratio",
                                                "novacron_load1",
                                                "novacron_disk_io_time_ratio",
                                                "novacron_network_receive_errors_per_second",
                                                "novacron_swap_in_bytes_per_second",
                                                "novacron_pg_connections_used_ratio"};
constexpr std::string_view kTrendMetrics[] = {
    "novacron_memory_used_ratio", "novacron_disk_used_ratio", "novacron_disk_free_bytes"};

// How far back "now" may look for the latest value, and the windows the analysis compares.
constexpr milliseconds kFresh = 1min;
constexpr milliseconds kRecent = 1min;
constexpr milliseconds kBaseline = 15min;

std::optional<double> latest(const metrics::MetricStore& store, std::string_view name,
                             TimePoint now) {
  const auto& series = store.select(name);
  if (series.size() != 1) return std::nullopt;
  return metrics::windowLast(*series.front(), now, kFresh);
}

// Every series of a metric with its latest value, labels included.
json perSeries(const metrics::MetricStore& store, std::string_view name, TimePoint now) {
  json out = json::array();
  for (const Series* s : store.select(name)) {
    if (auto v = metrics::windowLast(*s, now, kFresh))
      out.push_back({{"labels", metrics::labelsToJson(s->labels())}, {"value", *v}});
  }
  return out;
}

// The last minute against the fourteen before it: more than three standard deviations and more
// than 20% away from the baseline's mean is an anomaly.
void anomalies(const metrics::MetricStore& store, std::string_view name, TimePoint now, json& out) {
  for (const Series* s : store.select(name)) {
    metrics::Window base = s->window(now - kRecent, kBaseline - kRecent);
    auto recent = metrics::windowAvg(*s, now, kRecent);
    if (base.size() < 10 || !recent) continue;
    double n = 0, mean = 0, m2 = 0;  // Welford
    base.forEach([&](const metrics::Point& p) {
      n += 1;
      double d = p.v - mean;
      mean += d / n;
      m2 += d * (p.v - mean);
    });
    double sd = std::sqrt(m2 / n);
    double change = mean != 0 ? (*recent - mean) / std::fabs(mean) : (*recent != 0 ? 1.0 : 0.0);
    if (std::fabs(change) > 0.2 && std::fabs(*recent - mean) > 3 * std::max(sd, 1e-9)) {
      out.push_back({{"metric", name},
                     {"labels", metrics::labelsToJson(s->labels())},
                     {"recent_avg", *recent},
                     {"baseline_avg", mean},
                     {"baseline_stddev", sd},
                     {"change_ratio", change}});
    }
  }
}

// Slope per minute over the baseline window, for the gauges whose direction matters.
void trends(const metrics::MetricStore& store, std::string_view name, TimePoint now, json& out) {
  for (const Series* s : store.select(name)) {
    auto now_v = metrics::windowPredictLinear(*s, now, kBaseline, 0ms);
    auto in_1m = metrics::windowPredictLinear(*s, now, kBaseline, 1min);
    if (!now_v || !in_1m) continue;
    double slope = *in_1m - *now_v;
    out.push_back(
        {{"metric", name}, {"labels", metrics::labelsToJson(s->labels())}, {"per_minute", slope}});
  }
}

void recommend(json& out, const char* type, const char* priority, std::string action,
               std::string because) {
  out.push_back({{"type", type},
                 {"priority", priority},
                 {"action", std::move(action)},
                 {"because", std::move(because)}});
}

std::string pct(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", ratio * 100);
  return buf;
}

}  // namespace

json diagnosticsReport(const metrics::MetricStore& store, TimePoint now,
                       const std::string& incident_id) {
  json system = {{"cpu_usage_ratio", nullptr},
                 {"memory_used_ratio", nullptr},
                 {"swap_used_ratio", nullptr},
                 {"load1", nullptr},
                 {"load_run_queue", nullptr}};
  for (auto& [key, value] : system.items()) {
    if (auto v = latest(store, "novacron_" + key, now)) value = *v;
  }
  system["filesystems"] = perSeries(store, "novacron_disk_used_ratio", now);
  system["network_receive_bytes_per_second"] =
      perSeries(store, "novacron_network_receive_bytes_per_second", now);
  system["top_processes_by_cpu"] = perSeries(store, "novacron_top_process_cpu_ratio", now);
  system["top_processes_by_memory"] = perSeries(store, "novacron_top_process_resident_bytes", now);
  system["processes"] = perSeries(store, "novacron_processes", now);

  json database = {
      {"up", perSeries(store, "novacron_pg_up", now)},
      {"connections_used_ratio", perSeries(store, "novacron_pg_connections_used_ratio", now)},
      {"longest_query_seconds", perSeries(store, "novacron_pg_longest_query_seconds", now)}};

  json found = json::array(), trend = json::array();
  for (std::string_view m : kAnomalyMetrics) anomalies(store, m, now, found);
  for (std::string_view m : kTrendMetrics) trends(store, m, now, trend);

  json recs = json::array();
  if (auto cpu = latest(store, "novacron_cpu_usage_ratio", now); cpu && *cpu > 0.8) {
    recommend(recs, "scale", "high", "increase compute resources or stop the runaway process",
              "CPU busy " + pct(*cpu));
  }
  if (auto mem = latest(store, "novacron_memory_used_ratio", now); mem && *mem > 0.9) {
    recommend(
        recs, "memory", "high",
        "find the process whose memory grows (top_processes_by_memory); restart or roll it back",
        "memory used " + pct(*mem));
  }
  for (const Series* s : store.select("novacron_disk_used_ratio")) {
    auto v = metrics::windowLast(*s, now, kFresh);
    if (!v || *v <= 0.9) continue;
    std::string mount;
    for (const auto& l : s->labels()) {
      if (l.name == "mount") mount = l.value;
    }
    recommend(recs, "disk", *v > 0.95 ? "critical" : "high",
              "free space on " + mount + " (logs, caches, old releases)",
              mount + " is " + pct(*v) + " full");
  }
  for (const Series* s : store.select("novacron_swap_in_bytes_per_second")) {
    if (auto v = metrics::windowAvg(*s, now, 5min); v && *v > 1024 * 1024) {
      recommend(recs, "memory", "high",
                "the host is swapping: reduce memory pressure before it thrashes",
                "swapping in " + std::to_string(static_cast<int64_t>(*v / 1024)) +
                    " KiB/s over 5 minutes");
    }
  }
  for (const Series* s : store.select("novacron_pg_connections_used_ratio")) {
    if (auto v = metrics::windowLast(*s, now, kFresh); v && *v > 0.8) {
      recommend(recs, "database", "high",
                "terminate idle-in-transaction sessions and check the pool size",
                "connections at " + pct(*v) + " of max_connections");
    }
  }
  if (!found.empty()) {
    recommend(recs, "investigate", "medium",
              "review what changed when the anomalies began (deploys, cron, traffic)",
              std::to_string(found.size()) + " metric(s) far from their 15-minute baseline");
  }

  char ts[32];
  std::snprintf(ts, sizeof(ts), "%.3f", toSeconds(now));
  return {{"incident_id", incident_id},
          {"timestamp", std::stod(ts)},
          {"system", system},
          {"database", database},
          {"analysis", {{"anomalies", found}, {"trends", trend}}},
          {"recommendations", recs}};
}

}  // namespace novacron::actions

namespace novacron::actions {

void runDiagnosticsReport(const ActionEnv& env, ActionRequest request, ActionDone done) {
  done({RunState::kDone,
        {{"report", diagnosticsReport(env.metrics, request.now, request.incident_id)}}});
}

std::vector<std::string_view> diagnosticsHistoryMetrics() {
  std::vector<std::string_view> out(std::begin(kAnomalyMetrics), std::end(kAnomalyMetrics));
  out.insert(out.end(), std::begin(kTrendMetrics), std::end(kTrendMetrics));
  return out;
}

}  // namespace novacron::actions
