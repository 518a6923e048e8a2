#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
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

struct ReporterOptions {
  /// In order of preference; after a failure the next one is tried. Empty: no coordinator; the
  /// outbox only fills.
  std::vector<std::string> urls;
  std::optional<std::filesystem::path> token_file;
  std::string ca_file;              ///< https: the CA the coordinator's certificate chains to
  std::string cert_file, key_file;  ///< https: the client certificate, when one is required
  milliseconds heartbeat{std::chrono::minutes(1)};  ///< an empty batch when nothing was sent
  milliseconds timeout{std::chrono::seconds(10)};
  size_t batch_size = 500;
  size_t max_events = 100000;  ///< the outbox's bound
  milliseconds backoff_initial{std::chrono::seconds(1)};
  milliseconds backoff_max{std::chrono::minutes(5)};
  std::string node_id, store_id;
  std::map<std::string, std::string> node_labels;
  friend bool operator==(const ReporterOptions&, const ReporterOptions&) = default;
};

/// What the agent says about itself in every push body (`agent` in contract/push.schema.json).
struct AgentSelf {
  std::string policy_digest;
  bool paused = false;
  size_t playbooks = 0;
};

/// The contract's version the push body follows (contract/push.schema.json).
inline constexpr std::string_view kPushSchemaVersion = "1.0";

struct ReporterStats {
  uint64_t attempts = 0, failures = 0;              ///< POSTs, and those that did not deliver
  uint64_t delivered = 0, parked = 0, dropped = 0;  ///< events
  std::optional<TimePoint> last_success, last_attempt;
  std::string last_error;
};

/// Delivers the store's outbox to the coordinator: every timeline event, in order, in batches
/// POSTed with an idempotency key per batch and per event, with the current record of each
/// incident they belong to (contract/push.schema.json); with nothing to send, an empty batch every
/// `heartbeat` says the agent is alive. Failures (no answer, a timeout, 5xx,
/// 429, or a refusal of the agent's credentials or URL, which only a configuration change can
/// cure) are retried with exponential backoff and jitter; any other 4xx isolates the refused
/// event and parks it, so one bad event never blocks the rest. The outbox is bounded: the oldest
/// events over the bound are dropped from it and an `outbox_dropped` event says so. State is in
/// the store, so a restarted agent resumes where the last one stopped. Event-loop only.
class Reporter final : public collectors::Source {
 public:
  Reporter(boost::asio::io_context& io, incidents::Store& store, const Clock& clock,
           ReporterOptions options);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  void start();
  void stop() override;
  void setOptions(ReporterOptions options);
  /// Where the body's `agent` comes from (called for each batch).
  void setSelf(std::function<AgentSelf()> self);
  /// New events are in the outbox: send them soon (bursts are coalesced).
  void wake();

  bool enabled() const;
  const ReporterStats& stats() const;
  /// The outbox now: its depth (free) and its oldest event (one indexed read).
  incidents::OutboxStats outbox() const;
  /// novacron_outbox_* and novacron_coordinator_* samples.
  std::vector<metrics::Sample> latest() const;
  /// The `coordinator delivery` row of the status matrix: ok, degraded, down or disabled.
  std::string status(std::string& detail) const;

  std::string_view name() const override { return "coordinator"; }
  void latest(collectors::Batches& out) const override { out.add(latest()); }
  void status(std::vector<collectors::SourceStatus>& rows) const override {
    std::string detail;
    std::string s = status(detail);
    rows.push_back({"coordinator", "delivery", s, 0, 0, detail});
  }

  struct State;

 private:
  std::unique_ptr<State> state_;
};

/// The reporter's metrics, for the reference table.
std::span<const metrics::MetricDef* const> reporterMetrics();

}  // namespace novacron::reporting
