#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metrics/series.h"

namespace novacron::metrics {

struct StoreOptions {
  /// How far back window queries can look; older points are dropped.
  milliseconds retention{std::chrono::minutes(15)};
  /// New series beyond this many are refused (and counted), so a label explosion cannot eat
  /// the host's memory.
  size_t max_series = 50000;
  /// Points kept per series at most, whatever the sampling interval.
  size_t max_points_per_series = 9000;
  /// Metrics whose series keep only their latest points: the top-N process series change with
  /// every new pid and nobody asks for their 15-minute history.
  std::vector<std::string_view> short_history = {"novacron_top_process_cpu_ratio",
                                                 "novacron_top_process_resident_bytes"};
  size_t short_history_points = 2;
  /// An application's series (a metric whose labels are the application's, grouped by their
  /// `target` label) may hold this many bytes per target, and this many in all, counting their
  /// labels, their points and the store's own bookkeeping. Past either, the target's series that
  /// were updated longest ago go first (counted): a target that churns label values cannot grow
  /// the agent's memory without bound, whatever its max_series.
  size_t max_bytes_per_target = 16u << 20;
  size_t max_scraped_bytes = 64u << 20;
};

/// Recent samples of every series, for window queries by the policy engine and the CLI.
/// Owned and used by the event loop only: not thread-safe.
class MetricStore {
 public:
  explicit MetricStore(StoreOptions options = {});
  ~MetricStore();
  /// The store moved from is left empty, with a generation of its own: a hint made with either
  /// one is then never followed in the other.
  MetricStore(MetricStore&& other) noexcept;
  MetricStore& operator=(MetricStore&& other) noexcept;

  /// Where one caller's samples went the last time it appended. A caller that appends the same
  /// series in the same order every sweep (a collector does) keeps one, and each sample finds
  /// its series by comparing it with the one at its place last time instead of by hashing.
  class AppendHint {
    friend class MetricStore;
    std::vector<Series*> series_;
    uint64_t generation_ = 0;
  };

  /// Appends one sweep's samples, all taken at `t`. Labels need not be sorted.
  void append(TimePoint t, std::span<const Sample> samples, AppendHint* hint = nullptr);

  /// Drops points older than the retention and series left empty.
  void trim(TimePoint now);

  /// Every series of a metric, by its full name; empty if none.
  const std::vector<const Series*>& select(std::string_view metric_name) const;

  /// The series of a metric with label `label` equal to `value`, from an index: a selector such
  /// as disk_used_ratio{mount="/"} costs one lookup, not a scan of every mount.
  const std::vector<const Series*>& selectEqual(std::string_view metric_name,
                                                std::string_view label,
                                                std::string_view value) const;

  /// One series by metric name and exact label set (sorted or not).
  const Series* find(std::string_view metric_name, const Labels& labels) const;

  size_t seriesCount() const { return series_.size(); }
  /// Calls `f` for every series, in no particular order.
  void forEach(const std::function<void(const Series&)>& f) const {
    for (const auto& s : series_) f(*s);
  }
  /// Kept as points come and go: /metrics and status ask every sweep.
  size_t pointCount() const { return points_; }
  uint64_t droppedSeries() const { return dropped_series_; }
  /// An application's series removed to keep its target within its byte budget.
  uint64_t evictedSeries() const { return evicted_series_; }
  /// The bytes an application's series hold now, in all and for one target.
  size_t scrapedBytes() const { return scraped_bytes_; }
  size_t scrapedBytesOf(std::string_view target) const;
  uint64_t droppedPoints() const { return dropped_points_; }
  const StoreOptions& options() const { return options_; }
  void setRetention(milliseconds retention) { options_.retention = retention; }

  /// Only these metrics keep the retention's history; the series of any other keep their
  /// latest points, as short_history ones do. Memory then follows what is asked of the store
  /// (the agent passes what its playbooks, recovery criteria and diagnostics look at) rather
  /// than everything a host or a scrape target serves. Applies at once to the series there
  /// are: one that gains history keeps points from then on, one that loses it is cut at the
  /// next trim. Without a call, every metric keeps its history.
  void keepHistoryOf(std::unordered_set<std::string> metric_names);

 private:
  struct KeyView {
    std::string_view name;
    const Labels* labels;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const;
    size_t operator()(const std::unique_ptr<Series>& s) const;
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(const KeyView& a, const std::unique_ptr<Series>& b) const;
    bool operator()(const std::unique_ptr<Series>& a, const KeyView& b) const;
    bool operator()(const std::unique_ptr<Series>& a, const std::unique_ptr<Series>& b) const;
  };

  StoreOptions options_;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ByValue =
      std::unordered_map<std::string, std::vector<const Series*>, StringHash, std::equal_to<>>;
  struct NameIndex {
    std::vector<const Series*> all;
    std::unordered_map<std::string, ByValue, StringHash, std::equal_to<>> by_label;
  };

  void index(const Series* s);
  void unindex(const Series* s);
  // An application's series: its target's budget, kept as series come and go.
  void account(const Series* s, bool add);
  // Evicts the oldest series of the targets over budget, and of all targets while the total is.
  void enforceBudgets();
  void erase(const Series* s);

  size_t maxPointsOf(std::string_view metric_name) const;

  std::optional<std::unordered_set<std::string, StringHash, std::equal_to<>>> history_;
  std::unordered_set<std::unique_ptr<Series>, Hash, Eq> series_;
  std::unordered_map<std::string_view, NameIndex> by_name_;
  size_t points_ = 0;
  // Changes whenever a series goes, and differs between stores: a hint of another generation
  // may point at series that are gone.
  uint64_t generation_;
  uint64_t dropped_series_ = 0;
  uint64_t dropped_points_ = 0;
  // An application's series and the bytes each was counted at; their targets' totals.
  std::unordered_map<const Series*, size_t> scraped_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> target_bytes_;
  size_t scraped_bytes_ = 0;
  uint64_t evicted_series_ = 0;
};

/// Sorts labels by name in place (cheap for the two or three labels a series has).
void sortLabels(Labels& labels);

}  // namespace novacron::metrics
