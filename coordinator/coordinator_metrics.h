#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "io/postgres/pg_pool.h"
#include "metrics/sample.h"

namespace novacron::coordinator {

/// What the coordinator counts, served on its /metrics (Prometheus text, promtool-clean).
/// Event-loop only.
class CoordinatorMetrics {
 public:
  /// One POST /v1/events answered: its status and how long from reading it to answering.
  void pushed(int status, double seconds, int64_t inserted, int64_t duplicates, int64_t gaps);
  /// A refusal (the answer's error.code: malformed, invalid, schema_version, unauthorized,
  /// forbidden, too_large, busy, unavailable).
  void refused(const std::string& code) { ++refused_[code]; }
  void request(const std::string& handler, int status) { ++requests_[{handler, status}]; }

  struct NodeLag {
    std::string node;
    double seconds_since_seen = 0;
    int64_t outbox_depth = 0;
  };
  /// The fleet as the last upkeep saw it.
  void fleet(int64_t nodes, int64_t silent, std::vector<NodeLag> laggards);

  /// One poll of a node's feed over: what it wrote.
  void polled(bool ok, int64_t inserted, int64_t duplicates, int64_t gaps) {
    ++polls_[ok];
    inserted_ += static_cast<uint64_t>(inserted);
    duplicates_ += static_cast<uint64_t>(duplicates);
    gaps_ += static_cast<uint64_t>(gaps);
  }
  /// Pushes of silent-node alerts to Alertmanager so far.
  void alerts(uint64_t sent, uint64_t failed) {
    alerts_sent_ = sent;
    alerts_failed_ = failed;
  }

  std::string render(const io::PgPoolStats& pool) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  std::map<int, uint64_t> pushes_;  // by status
  std::map<std::string, uint64_t> refused_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::array<uint64_t, kBuckets.size()> bucket_counts_{};
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  uint64_t inserted_ = 0, duplicates_ = 0, gaps_ = 0;
  int64_t nodes_ = 0, silent_ = 0;
  uint64_t alerts_sent_ = 0, alerts_failed_ = 0;
  std::map<bool, uint64_t> polls_;
  std::vector<NodeLag> laggards_;
};

/// The metrics' names and help, for the README's reference.
std::span<const metrics::MetricDef* const> coordinatorMetricDefs();

}  // namespace novacron::coordinator
