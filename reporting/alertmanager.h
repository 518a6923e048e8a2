#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/source.h"
#include "incidents/store.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::reporting {

struct AlertmanagerOptions {
  std::string url;  ///< Alertmanager's base URL; empty: nothing is pushed
  milliseconds resend_interval{std::chrono::minutes(1)};
  milliseconds timeout{std::chrono::seconds(5)};
  std::string node_id;
  std::map<std::string, std::string> node_labels;
  friend bool operator==(const AlertmanagerOptions&, const AlertmanagerOptions&) = default;
};

struct AlertmanagerStats {
  uint64_t pushes = 0, failures = 0;
  size_t firing = 0;  ///< alerts in the last push that were open
  std::optional<TimePoint> last_success;
  std::string last_error;
};

/// The JSON array of alerts for POST /api/v2/alerts: one per incident; `alertname` is the
/// playbook, with `severity`, `category`, `instance` (the node id), the incident's labels and the
/// node's labels; annotations carry the description and the incident id. An open incident's
/// alert ends 4 resend intervals after `now` unless sent again; a resolved one ends when it did.
std::string renderAlerts(const std::vector<incidents::IncidentRecord>& incidents,
                         const std::map<std::string, std::string>& descriptions,
                         const AlertmanagerOptions& options, TimePoint now);

/// Pushes the store's open incidents to Alertmanager as alerts, again every resend interval while
/// they stay open, and an ended alert once each is resolved (retried until Alertmanager has it, or
/// until the alert would have expired anyway). Alertmanager, clustered, then deduplicates,
/// routes, silences and escalates for the fleet. Event-loop only.
class AlertmanagerPusher final : public collectors::Source {
 public:
  AlertmanagerPusher(boost::asio::io_context& io, incidents::Store& store, const Clock& clock,
                     AlertmanagerOptions options);
  ~AlertmanagerPusher();
  AlertmanagerPusher(const AlertmanagerPusher&) = delete;
  AlertmanagerPusher& operator=(const AlertmanagerPusher&) = delete;

  void start();
  void stop() override;
  void setOptions(AlertmanagerOptions options);
  /// An incident may have opened or ended: push soon.
  void wake();
  /// Playbook descriptions for the alerts' annotations.
  void setDescriptions(std::map<std::string, std::string> descriptions);

  bool enabled() const;
  const AlertmanagerStats& stats() const;
  std::vector<metrics::Sample> latest() const;

  std::string_view name() const override { return "alertmanager"; }
  void latest(collectors::Batches& out) const override {
    if (enabled()) out.add(latest());
  }

  struct State;

 private:
  std::unique_ptr<State> state_;
};

std::span<const metrics::MetricDef* const> alertmanagerMetrics();

}  // namespace novacron::reporting
