#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "metrics/metric_store.h"
#include "metrics/sample.h"

namespace novacron {
struct Pattern;  // base/pattern.h: a compiled `=~` pattern
}

namespace novacron::policy {

using std::chrono::milliseconds;

/// Three-valued truth: a condition over a missing series is neither true nor false.
enum class Tri { kFalse, kTrue, kUnknown };

struct LabelMatcher {
  std::string name;
  bool equal = true;                       ///< `=` or `=~` (true), `!=` or `!~` (false)
  std::string value;                       ///< the value, or the pattern as written
  std::shared_ptr<const Pattern> pattern;  ///< set for `=~` and `!~`
  bool matches(std::string_view have) const;
};

struct Selector {
  std::string metric;  ///< as written; bind() resolves it to a full name
  std::vector<LabelMatcher> matchers;
  const metrics::MetricDef* def = nullptr;  ///< set by bind()
  int column = 0;
};

enum class CompareOp { kGt, kGe, kLt, kLe, kEq, kNe };
enum class ArithOp { kAdd, kSub, kMul, kDiv };
/// Aggregations across label sets (not over time: that is a window function).
enum class AggFn { kSum, kMin, kMax, kAvg, kCount };

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// A node of a parsed condition. Immutable once parsed and bound, shared between copies.
struct Expr {
  enum class Kind {
    kNumber,
    kSeries,
    kWindow,
    kArith,      ///< lhs OP rhs, per label set
    kAggregate,  ///< agg by (labels) (lhs)
    kQuantile,   ///< histogram_quantile(number, lhs): lhs has an `le` label
    kCompare,
    kAnd,
    kOr,
    kNot
  };
  Kind kind = Kind::kNumber;
  int column = 0;  ///< 1-based position in the condition text
  double number = 0;
  Selector selector;
  metrics::WindowFn fn = metrics::WindowFn::kLast;
  milliseconds window{0};
  milliseconds horizon{0};
  CompareOp op = CompareOp::kGt;
  ArithOp arith = ArithOp::kAdd;
  AggFn agg = AggFn::kSum;
  std::vector<std::string> by;  ///< the labels an aggregation keeps
  ExprPtr lhs, rhs;
};

/// A problem in a condition, positioned by column (1-based) within its text.
struct ConditionError {
  int column = 1;
  std::string message;
};

/// What the metric catalog knows, for binding names and checking label matchers.
using metrics::MetricLookup;

/// Where and when a condition is evaluated.
struct EvalContext {
  const metrics::MetricStore& store;
  TimePoint now;
  /// A bare series name means its latest point no older than this.
  milliseconds lookback{std::chrono::seconds(30)};
};

/// The truth of a condition per label set, sorted by labels. A condition without series (or
/// over series without labels) has one entry with empty labels.
using Truth = std::vector<std::pair<metrics::Labels, Tri>>;

/// The entry for `labels`, or nullptr.
const Tri* findTruth(const Truth& truth, const metrics::Labels& labels);

/// A condition of the playbook language: comparisons of metrics, numbers with units (`80%`,
/// `5m`, `10GiB`), `and`/`or`/`not`, parentheses, label matchers (`disk_used_ratio{mount="/"}`),
/// window functions (`avg`, `min`, `max`, `last`, `rate` over a duration; `predict_linear`
/// over a duration and a horizon), arithmetic (`+ - * /`, per label set), aggregations across
/// label sets (`sum`, `min`, `max`, `avg`, `count`, optionally `by (label, ...)`) and
/// `histogram_quantile(q, buckets)`. Metric names may leave out the `novacron_` prefix.
class Condition {
 public:
  /// Parses `text`; every syntax problem is returned, positioned by column.
  static std::variant<Condition, std::vector<ConditionError>> parse(std::string_view text);

  /// Resolves metric names against the catalog and checks label names. Returns the problems.
  std::vector<ConditionError> bind(const MetricLookup& lookup);

  /// Evaluates against the store: one truth value per label set. No I/O; not thread-safe only
  /// in that the store must not change during the call.
  Truth evaluate(const EvalContext& ctx) const;

  /// For a condition that is one comparison (`lhs OP rhs`): the left side's value now for
  /// `labels` (when the left side has several label sets and none is `labels`, the one nearest
  /// to failing: the largest for `<`, the smallest for `>`), and the comparison's right part as
  /// written ("< 70%"). nullopt for any other condition.
  struct Comparison {
    std::optional<double> value;
    std::string threshold;
  };
  std::optional<Comparison> comparison(const EvalContext& ctx, const metrics::Labels& labels) const;

  const std::string& text() const { return text_; }
  /// Full names of the metrics the condition reads (after bind()).
  std::vector<std::string> metrics() const;
  /// Whether it looks at an application's scraped metric (bound to a definition whose labels are
  /// the application's): the labels of what it matches then come from that application.
  bool looksAtApplicationMetrics() const;
  /// The longest window the condition looks back over.
  milliseconds maxWindow() const;

 private:
  std::string text_;
  ExprPtr root_;
};

/// Kleene logic.
Tri triAnd(Tri a, Tri b);
Tri triOr(Tri a, Tri b);
Tri triNot(Tri a);
const char* triName(Tri t);

/// Reads a number with an optional unit: `%` (÷100), time units (to seconds), byte units (`KB`,
/// `MiB`, ... to bytes). Returns the value and, for time units, the duration.
struct Quantity {
  double value = 0;
  std::optional<milliseconds> duration;
};
std::optional<Quantity> parseQuantity(std::string_view text, std::string& why);

}  // namespace novacron::policy
