#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "collectors/plugin.h"
#include "collectors/scrape/scrape_config.h"
#include "collectors/source.h"
#include "collectors/target_health.h"
#include "metrics/exposition_parser.h"
#include "metrics/sample.h"

namespace boost::asio {
class io_context;
}

namespace novacron::collectors {

/// What `novacron status` shows for one scrape target.
/// Its last_error also says what a scrape that succeeded skipped.
struct ScrapeHealth : TargetHealth {
  std::string url;
  size_t series = 0;
  size_t dropped = 0;
  size_t bad_lines = 0;
};

/// The configured local Prometheus endpoints, each on its own timer. A scrape reads the text
/// format 0.0.4 or OpenMetrics (gzip accepted), keeps the series whose names the target's
/// allow-list admits, up to max_series, with the target's labels plus `target` (an application
/// label of that name becomes `exported_target`), and hands them to `sink` for the metric store.
/// They are not served on the agent's /metrics unless the target says `expose`: Prometheus
/// scrapes the application itself. A
/// target that is slow, hangs, sends too much or sends garbage is bounded by its timeout and
/// max_bytes and shows in novacron_scrape_* and the status matrix. Event-loop only.
class ScrapeSet final : public Source {
 public:
  using Sink = std::function<void(TimePoint, std::vector<metrics::Sample>)>;
  ScrapeSet(boost::asio::io_context& io, const Clock& clock, Sink sink);
  ~ScrapeSet();
  ScrapeSet(const ScrapeSet&) = delete;
  ScrapeSet& operator=(const ScrapeSet&) = delete;

  /// Replaces the targets (start and reload); the first scrapes run at once.
  void configure(const std::vector<ScrapeConfig>& targets);
  void stop() override;

  std::string_view name() const override { return "scrape"; }
  /// The novacron_scrape_* samples of every target, and the series of those that expose them,
  /// for /metrics.
  void latest(Batches& out) const override;
  void status(std::vector<SourceStatus>& rows) const override;
  std::vector<ScrapeHealth> health() const;

 private:
  struct Target;

  void scrape(Target& t);

  boost::asio::io_context& io_;
  const Clock& clock_;
  Sink sink_;
  std::vector<std::shared_ptr<Target>> targets_;
};

/// Whether a scrape target would keep metric `name`: one with no allow-list keeps all, others
/// what a pattern matches; the agent's own `novacron_` names never. Conditions may name these.
bool scrapeAdmits(const std::vector<ScrapeConfig>& targets, std::string_view name);

/// Reads one scrape's body (already inflated) into samples for `config`: the allow-list, the
/// series cap, the `target` label. Exposed for tests and the benchmark.
struct ScrapeRead {
  std::vector<metrics::Sample> samples;
  size_t dropped = 0;
  size_t bad_lines = 0;
  std::string first_error;
  /// Of `dropped`, the series named as one of the host's metrics (isHostMetricName), and the
  /// first such name.
  size_t hosts_names = 0;
  std::string hosts_name;
};
class ScrapeReader {
 public:
  explicit ScrapeReader(const ScrapeConfig& config);
  ~ScrapeReader();
  ScrapeReader(ScrapeReader&&) noexcept;
  /// `format` as the response's Content-Type says (metrics::formatOfContentType).
  ScrapeRead read(std::string_view body,
                  metrics::ExpositionFormat format = metrics::ExpositionFormat::kText);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// collectors.scrape: its descriptor, listed in collectors/plugins.cpp.
extern const ListedSource kScrapeSource;

}  // namespace novacron::collectors
