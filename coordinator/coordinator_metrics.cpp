#include "coordinator/coordinator_metrics.h"

#include "metrics/exposition.h"

namespace novacron::coordinator {

namespace {

using metrics::MetricDef;
using metrics::MetricType;

constexpr MetricDef kPushes{"novacron_coordinator_push_requests_total", MetricType::kCounter,
                            "code", "POST /v1/events answered, by HTTP status."};
constexpr MetricDef kEvents{"novacron_coordinator_ingested_events_total", MetricType::kCounter, "",
                            "Events written to the database (pushed or polled), each once."};
constexpr MetricDef kDuplicates{"novacron_coordinator_duplicate_events_total", MetricType::kCounter,
                                "",
                                "Events received again (a retried batch, pushed and polled); "
                                "not written twice."};
constexpr MetricDef kGaps{"novacron_coordinator_sequence_gaps_total", MetricType::kCounter, "",
                          "Gaps noticed in a node's event sequence."};
constexpr MetricDef kRefused{"novacron_coordinator_refused_pushes_total", MetricType::kCounter,
                             "reason",
                             "Pushes refused, by reason: malformed, invalid, schema_version, "
                             "unauthorized, forbidden, too_large, busy, unavailable."};
constexpr MetricDef kLatency{"novacron_coordinator_push_duration_seconds", MetricType::kHistogram,
                             "",
                             "From a push's body read to its answer (the batch committed), "
                             "seconds."};
constexpr MetricDef kRequests{"novacron_coordinator_http_requests_total", MetricType::kCounter,
                              "code,handler", "HTTP requests answered, by handler and status."};
constexpr MetricDef kPoolSize{"novacron_coordinator_db_connections", MetricType::kGauge, "state",
                              "Database connections of the pool: busy, idle (connected), max."};
constexpr MetricDef kPoolWaiting{"novacron_coordinator_db_waiting_queries", MetricType::kGauge, "",
                                 "Queries waiting for a free database connection."};
constexpr MetricDef kPoolUp{"novacron_coordinator_db_up", MetricType::kGauge, "",
                            "1 when the last connection attempt or query reached PostgreSQL."};
constexpr MetricDef kNodes{"novacron_coordinator_nodes", MetricType::kGauge, "",
                           "Nodes known (registered or seen)."};
constexpr MetricDef kSilent{"novacron_coordinator_silent_nodes", MetricType::kGauge, "",
                            "Nodes not heard from for fleet.silent_after."};
constexpr MetricDef kLag{"novacron_coordinator_node_lag_seconds", MetricType::kGauge, "node",
                         "Seconds since the node was last heard from; the 100 longest only."};
constexpr MetricDef kDepth{"novacron_coordinator_node_outbox_depth", MetricType::kGauge, "node",
                           "Events the node said were waiting to be sent; the same 100 nodes."};
constexpr MetricDef kAlerts{
    "novacron_coordinator_alertmanager_pushes_total", MetricType::kCounter, "result",
    "Pushes of silent-node alerts (NovacronAgentSilent) to Alertmanager, by "
    "result: ok, failed."};
constexpr MetricDef kPolls{"novacron_coordinator_polls_total", MetricType::kCounter, "result",
                           "Polls of pollable nodes' feeds by this coordinator, by result: ok, "
                           "failed."};
constexpr const MetricDef* kDefs[] = {
    &kPolls,    &kAlerts,   &kPushes,      &kEvents, &kDuplicates, &kGaps,   &kRefused, &kLatency,
    &kRequests, &kPoolSize, &kPoolWaiting, &kPoolUp, &kNodes,      &kSilent, &kLag,     &kDepth};

const char* typeName(MetricType t) {
  return t == MetricType::kCounter ? "counter" : t == MetricType::kGauge ? "gauge" : "histogram";
}

void header(std::string& out, const MetricDef& d) {
  metrics::appendFamilyHeader(out, d.name, d.help, typeName(d.type));
}

}  // namespace

std::span<const MetricDef* const> coordinatorMetricDefs() { return kDefs; }

void CoordinatorMetrics::pushed(int status, double seconds, int64_t inserted, int64_t duplicates,
                                int64_t gaps) {
  ++pushes_[status];
  ++latency_count_;
  latency_sum_ += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  inserted_ += static_cast<uint64_t>(inserted);
  duplicates_ += static_cast<uint64_t>(duplicates);
  gaps_ += static_cast<uint64_t>(gaps);
}

void CoordinatorMetrics::fleet(int64_t nodes, int64_t silent, std::vector<NodeLag> laggards) {
  nodes_ = nodes;
  silent_ = silent;
  laggards_ = std::move(laggards);
}

std::string CoordinatorMetrics::render(const io::PgPoolStats& pool) const {
  std::string out;
  header(out, kPushes);
  for (const auto& [code, n] : pushes_)
    metrics::appendSample(out, kPushes.name, {{"code", std::to_string(code)}}, double(n));
  header(out, kEvents);
  metrics::appendSample(out, kEvents.name, {}, double(inserted_));
  header(out, kDuplicates);
  metrics::appendSample(out, kDuplicates.name, {}, double(duplicates_));
  header(out, kGaps);
  metrics::appendSample(out, kGaps.name, {}, double(gaps_));
  header(out, kRefused);
  for (const auto& [reason, n] : refused_)
    metrics::appendSample(out, kRefused.name, {{"reason", reason}}, double(n));
  header(out, kLatency);
  const std::string bucket = std::string(kLatency.name) + "_bucket";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    metrics::appendSample(out, bucket, {}, double(bucket_counts_[i]),
                          {"le", metrics::formatValue(kBuckets[i])});
  }
  metrics::appendSample(out, bucket, {}, double(latency_count_), {"le", "+Inf"});
  metrics::appendSample(out, std::string(kLatency.name) + "_sum", {}, latency_sum_);
  metrics::appendSample(out, std::string(kLatency.name) + "_count", {}, double(latency_count_));
  header(out, kRequests);
  for (const auto& [key, n] : requests_) {
    metrics::appendSample(out, kRequests.name,
                          {{"code", std::to_string(key.second)}, {"handler", key.first}},
                          double(n));
  }
  header(out, kPoolSize);
  metrics::appendSample(out, kPoolSize.name, {{"state", "busy"}}, double(pool.busy));
  metrics::appendSample(out, kPoolSize.name, {{"state", "idle"}},
                        double(pool.connected > pool.busy ? pool.connected - pool.busy : 0));
  metrics::appendSample(out, kPoolSize.name, {{"state", "max"}}, double(pool.size));
  header(out, kPoolWaiting);
  metrics::appendSample(out, kPoolWaiting.name, {}, double(pool.waiting));
  header(out, kPoolUp);
  metrics::appendSample(out, kPoolUp.name, {}, pool.reachable ? 1 : 0);
  header(out, kNodes);
  metrics::appendSample(out, kNodes.name, {}, double(nodes_));
  header(out, kSilent);
  metrics::appendSample(out, kSilent.name, {}, double(silent_));
  header(out, kLag);
  for (const auto& l : laggards_)
    metrics::appendSample(out, kLag.name, {{"node", l.node}}, l.seconds_since_seen);
  header(out, kPolls);
  metrics::appendSample(out, kPolls.name, {{"result", "ok"}},
                        double(polls_.count(true) ? polls_.at(true) : 0));
  metrics::appendSample(out, kPolls.name, {{"result", "failed"}},
                        double(polls_.count(false) ? polls_.at(false) : 0));
  header(out, kAlerts);
  metrics::appendSample(out, kAlerts.name, {{"result", "ok"}}, double(alerts_sent_));
  metrics::appendSample(out, kAlerts.name, {{"result", "failed"}}, double(alerts_failed_));
  header(out, kDepth);
  for (const auto& l : laggards_)
    metrics::appendSample(out, kDepth.name, {{"node", l.node}}, double(l.outbox_depth));
  return out;
}

}  // namespace novacron::coordinator
