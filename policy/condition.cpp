#include "policy/condition.h"
#include "base/pattern.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>

namespace novacron::policy {
namespace {

using metrics::Labels;
using metrics::Series;
using metrics::WindowFn;

// --- evaluation ----------------------------------------------------------------------------------

// Label sets are compared by content but held by pointer: during one evaluation they live in
// the store's series (or are the shared empty set), so no evaluation copies a label.
const Labels kNoLabels;
bool labelsLess(const Labels* a, const Labels* b) { return *a < *b; }

// Label sets an aggregation makes: they live as long as any result that points at them.
using Arena = std::shared_ptr<std::deque<Labels>>;
using Arenas = std::vector<Arena>;
void keep(Arenas& into, const Arenas& from) { into.insert(into.end(), from.begin(), from.end()); }

// A number per label set, sorted by labels; `scalar` when it does not depend on series.
struct Numbers {
  bool scalar = true;
  std::optional<double> value;
  std::vector<std::pair<const Labels*, std::optional<double>>> series;
  Arenas arenas;
};

struct Truths {
  bool scalar = true;
  Tri value = Tri::kUnknown;
  std::vector<std::pair<const Labels*, Tri>> series;
  Arenas arenas;
};

bool matches(const Series& s, const Selector& sel) {
  for (const LabelMatcher& m : sel.matchers) {
    std::string_view have;
    for (const auto& l : s.labels()) {
      if (l.name == m.name) have = l.value;
    }
    if (!m.matches(have)) return false;
  }
  return true;
}

template <class V>
void sortByLabels(V& v) {
  if (v.size() > 1) {
    std::sort(v.begin(), v.end(),
              [](const auto& a, const auto& b) { return labelsLess(a.first, b.first); });
  }
}

Numbers evalNumbers(const Expr& e, const EvalContext& ctx);
Numbers evalArith(const Expr& e, const EvalContext& ctx);
Numbers evalAggregate(const Expr& e, const EvalContext& ctx);
Numbers evalQuantile(const Expr& e, const EvalContext& ctx);

Numbers evalNumbers(const Expr& e, const EvalContext& ctx) {
  Numbers out;
  if (e.kind == Expr::Kind::kNumber) {
    out.value = e.number;
    return out;
  }
  if (e.kind == Expr::Kind::kArith) return evalArith(e, ctx);
  if (e.kind == Expr::Kind::kAggregate) return evalAggregate(e, ctx);
  if (e.kind == Expr::Kind::kQuantile) return evalQuantile(e, ctx);
  out.scalar = false;
  std::string_view name =
      e.selector.def ? e.selector.def->name : std::string_view(e.selector.metric);
  // An equality matcher narrows the candidates through the store's label index.
  const LabelMatcher* eq = nullptr;
  for (const LabelMatcher& m : e.selector.matchers) {
    if (m.equal && !m.pattern) {
      eq = &m;
      break;
    }
  }
  const auto& candidates =
      eq ? ctx.store.selectEqual(name, eq->name, eq->value) : ctx.store.select(name);
  out.series.reserve(candidates.size());
  for (const Series* s : candidates) {
    if (!matches(*s, e.selector)) continue;
    std::optional<double> v = e.kind == Expr::Kind::kSeries
                                  ? metrics::windowLast(*s, ctx.now, ctx.lookback)
                                  : metrics::evalWindow(e.fn, *s, ctx.now, e.window, e.horizon);
    out.series.emplace_back(&s->labels(), v);
  }
  sortByLabels(out.series);
  return out;
}

Tri compare(std::optional<double> a, CompareOp op, std::optional<double> b) {
  if (!a || !b || std::isnan(*a) || std::isnan(*b)) return Tri::kUnknown;
  bool r = false;
  switch (op) {
    case CompareOp::kGt:
      r = *a > *b;
      break;
    case CompareOp::kGe:
      r = *a >= *b;
      break;
    case CompareOp::kLt:
      r = *a < *b;
      break;
    case CompareOp::kLe:
      r = *a <= *b;
      break;
    case CompareOp::kEq:
      r = *a == *b;
      break;
    case CompareOp::kNe:
      r = *a != *b;
      break;
  }
  return r ? Tri::kTrue : Tri::kFalse;
}

// A vector whose only series has no labels behaves as a scalar: `cpu_usage_ratio > 0.9 and
// disk_used_ratio > 0.9` is asked per mount.
template <class V, class T>
bool asScalar(const V& v, T& out) {
  if (v.scalar) {
    out = v.value;
    return true;
  }
  if (v.series.size() == 1 && v.series.front().first->empty()) {
    out = v.series.front().second;
    return true;
  }
  return false;
}

// Walks two label-sorted vectors together, calling f(labels, left or nullptr, right or nullptr).
template <class A, class B, class F>
void mergeByLabels(const A& a, const B& b, F&& f) {
  const typename A::value_type::second_type* no_a = nullptr;
  const typename B::value_type::second_type* no_b = nullptr;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && labelsLess(a[i].first, b[j].first))) {
      f(a[i].first, &a[i].second, no_b);
      ++i;
    } else if (i == a.size() || labelsLess(b[j].first, a[i].first)) {
      f(b[j].first, no_a, &b[j].second);
      ++j;
    } else {
      f(a[i].first, &a[i].second, &b[j].second);
      ++i;
      ++j;
    }
  }
}

std::optional<double> arith(std::optional<double> a, ArithOp op, std::optional<double> b) {
  if (!a || !b) return std::nullopt;
  switch (op) {
    case ArithOp::kAdd:
      return *a + *b;
    case ArithOp::kSub:
      return *a - *b;
    case ArithOp::kMul:
      return *a * *b;
    case ArithOp::kDiv:
      return *a / *b;  // x/0 is ±Inf and 0/0 NaN, which no comparison holds for: unknown
  }
  return std::nullopt;
}

// Per label set, as a comparison pairs them: a scalar applies to every label set of the other
// side; two vectors combine where both have the label set.
Numbers evalArith(const Expr& e, const EvalContext& ctx) {
  Numbers l = evalNumbers(*e.lhs, ctx), r = evalNumbers(*e.rhs, ctx);
  Numbers out;
  keep(out.arenas, l.arenas);
  keep(out.arenas, r.arenas);
  std::optional<double> ls, rs;
  bool lsc = asScalar(l, ls), rsc = asScalar(r, rs);
  if (lsc && rsc && l.scalar && r.scalar) {
    out.value = arith(ls, e.arith, rs);
    return out;
  }
  out.scalar = false;
  if (lsc && rsc) {
    out.series.emplace_back(&kNoLabels, arith(ls, e.arith, rs));
  } else if (lsc) {
    for (const auto& [labels, v] : r.series) out.series.emplace_back(labels, arith(ls, e.arith, v));
  } else if (rsc) {
    for (const auto& [labels, v] : l.series) out.series.emplace_back(labels, arith(v, e.arith, rs));
  } else {
    mergeByLabels(l.series, r.series, [&](const Labels* labels, const auto* a, const auto* b) {
      if (a && b) out.series.emplace_back(labels, arith(*a, e.arith, *b));
    });
  }
  return out;
}

// The labels of `from` that `keep_names` (sorted) names.
Labels project(const Labels& from, const std::vector<std::string>& keep_names) {
  Labels out;
  for (const auto& l : from) {
    if (std::binary_search(keep_names.begin(), keep_names.end(), l.name)) out.push_back(l);
  }
  return out;
}

// Across label sets: one value per distinct set of the `by` labels (one in all without `by`).
// A series without a value is left out; a group with none left is unknown.
Numbers evalAggregate(const Expr& e, const EvalContext& ctx) {
  Numbers in = evalNumbers(*e.lhs, ctx);
  Numbers out;
  out.arenas = in.arenas;
  if (in.scalar) {
    out.value = e.agg == AggFn::kCount ? std::optional<double>(in.value ? 1 : 0) : in.value;
    return out;
  }
  out.scalar = false;
  struct Acc {
    double sum = 0, min = 0, max = 0;
    size_t n = 0;
  };
  std::map<Labels, Acc> groups;
  for (const auto& [labels, v] : in.series) {
    Acc& a = groups[project(*labels, e.by)];
    if (!v) continue;
    a.min = a.n ? std::min(a.min, *v) : *v;
    a.max = a.n ? std::max(a.max, *v) : *v;
    a.sum += *v;
    ++a.n;
  }
  auto arena = std::make_shared<std::deque<Labels>>();
  out.arenas.push_back(arena);
  for (auto& [labels, a] : groups) {
    std::optional<double> v;
    if (e.agg == AggFn::kCount) {
      v = static_cast<double>(a.n);
    } else if (a.n) {
      v = e.agg == AggFn::kSum   ? a.sum
          : e.agg == AggFn::kMin ? a.min
          : e.agg == AggFn::kMax ? a.max
                                 : a.sum / static_cast<double>(a.n);
    }
    arena->push_back(labels);
    out.series.emplace_back(&arena->back(), v);
  }
  return out;
}

// Prometheus's histogram_quantile: linear interpolation within the bucket the rank falls in,
// cumulative counts made monotonic, the +Inf bucket required.
double bucketQuantile(double q, std::vector<std::pair<double, double>>& buckets) {
  if (std::isnan(q)) return q;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end());
  if (buckets.size() < 2 || !std::isinf(buckets.back().first))
    return std::numeric_limits<double>::quiet_NaN();
  for (size_t i = 1; i < buckets.size(); ++i)
    buckets[i].second = std::max(buckets[i].second, buckets[i - 1].second);
  double total = buckets.back().second;
  if (!(total > 0)) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * total;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) return buckets[b - 1].first;
  if (b == 0 && buckets[0].first <= 0) return buckets[0].first;
  double start = b == 0 ? 0 : buckets[b - 1].first;
  double before = b == 0 ? 0 : buckets[b - 1].second;
  double count = buckets[b].second - before;
  if (!(count > 0)) return buckets[b].first;
  return start + (buckets[b].first - start) * ((rank - before) / count);
}

Numbers evalQuantile(const Expr& e, const EvalContext& ctx) {
  Numbers in = evalNumbers(*e.lhs, ctx);
  Numbers out;
  out.arenas = in.arenas;
  out.scalar = false;
  std::map<Labels, std::vector<std::pair<double, double>>> groups;
  for (const auto& [labels, v] : in.series) {
    Labels rest;
    std::optional<double> le;
    for (const auto& l : *labels) {
      if (l.name != "le") {
        rest.push_back(l);
        continue;
      }
      double bound = 0;
      std::string_view t = l.value;
      if (t == "+Inf" || t == "Inf") {
        le = std::numeric_limits<double>::infinity();
      } else if (auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), bound);
                 ec == std::errc() && end == t.data() + t.size()) {
        le = bound;
      }
    }
    auto& g = groups[std::move(rest)];
    if (le && v) g.emplace_back(*le, *v);
  }
  auto arena = std::make_shared<std::deque<Labels>>();
  out.arenas.push_back(arena);
  for (auto& [labels, buckets] : groups) {
    arena->push_back(labels);
    out.series.emplace_back(&arena->back(), bucketQuantile(e.number, buckets));
  }
  return out;
}

Truths evalTruths(const Expr& e, const EvalContext& ctx) {
  Truths out;
  if (e.kind == Expr::Kind::kCompare) {
    Numbers l = evalNumbers(*e.lhs, ctx), r = evalNumbers(*e.rhs, ctx);
    keep(out.arenas, l.arenas);
    keep(out.arenas, r.arenas);
    std::optional<double> ls, rs;
    bool lsc = asScalar(l, ls), rsc = asScalar(r, rs);
    if (lsc && rsc) {
      out.value = compare(ls, e.op, rs);
      return out;
    }
    out.scalar = false;
    if (lsc) {
      for (const auto& [labels, v] : r.series)
        out.series.emplace_back(labels, compare(ls, e.op, v));
    } else if (rsc) {
      for (const auto& [labels, v] : l.series)
        out.series.emplace_back(labels, compare(v, e.op, rs));
    } else {
      // Two vectors: only label sets present on both sides compare.
      mergeByLabels(l.series, r.series, [&](const Labels* labels, const auto* a, const auto* b) {
        if (a && b) out.series.emplace_back(labels, compare(*a, e.op, *b));
      });
    }
    return out;
  }
  if (e.kind == Expr::Kind::kNot) {
    out = evalTruths(*e.lhs, ctx);
    out.value = triNot(out.value);
    for (auto& entry : out.series) entry.second = triNot(entry.second);
    return out;
  }
  // and / or: per label set; a label set missing on one side is unknown there.
  Truths l = evalTruths(*e.lhs, ctx), r = evalTruths(*e.rhs, ctx);
  keep(out.arenas, l.arenas);
  keep(out.arenas, r.arenas);
  auto combine = e.kind == Expr::Kind::kAnd ? triAnd : triOr;
  Tri ls = Tri::kUnknown, rs = Tri::kUnknown;
  bool lsc = asScalar(l, ls), rsc = asScalar(r, rs);
  if (lsc && rsc && l.scalar && r.scalar) {
    out.value = combine(ls, rs);
    return out;
  }
  out.scalar = false;
  if (lsc && rsc) {
    out.series.emplace_back(&kNoLabels, combine(ls, rs));
  } else if (lsc) {
    // The other side matched no series: its truth is unknown, not absent.
    if (r.series.empty()) out.series.emplace_back(&kNoLabels, combine(ls, Tri::kUnknown));
    for (const auto& [labels, t] : r.series) out.series.emplace_back(labels, combine(ls, t));
  } else if (rsc) {
    if (l.series.empty()) out.series.emplace_back(&kNoLabels, combine(Tri::kUnknown, rs));
    for (const auto& [labels, t] : l.series) out.series.emplace_back(labels, combine(t, rs));
  } else {
    mergeByLabels(l.series, r.series, [&](const Labels* labels, const Tri* a, const Tri* b) {
      out.series.emplace_back(labels, combine(a ? *a : Tri::kUnknown, b ? *b : Tri::kUnknown));
    });
  }
  return out;
}

void visit(const Expr& e, const std::function<void(const Expr&)>& f) {
  f(e);
  if (e.lhs) visit(*e.lhs, f);
  if (e.rhs) visit(*e.rhs, f);
}

}  // namespace

bool LabelMatcher::matches(std::string_view have) const {
  bool hit = pattern ? pattern->matches(have) : have == value;
  return hit == equal;
}

Tri triAnd(Tri a, Tri b) {
  if (a == Tri::kFalse || b == Tri::kFalse) return Tri::kFalse;
  if (a == Tri::kTrue && b == Tri::kTrue) return Tri::kTrue;
  return Tri::kUnknown;
}

Tri triOr(Tri a, Tri b) {
  if (a == Tri::kTrue || b == Tri::kTrue) return Tri::kTrue;
  if (a == Tri::kFalse && b == Tri::kFalse) return Tri::kFalse;
  return Tri::kUnknown;
}

Tri triNot(Tri a) {
  if (a == Tri::kUnknown) return a;
  return a == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
}

const char* triName(Tri t) {
  switch (t) {
    case Tri::kTrue:
      return "true";
    case Tri::kFalse:
      return "false";
    default:
      return "unknown";
  }
}

namespace {

// The selector of `sel` bound to its definition in the catalog, or the problems why not.
void bindSelector(Selector& sel, const MetricLookup& lookup, std::vector<ConditionError>& errors) {
  const metrics::MetricDef* def = lookup(sel.metric);
  if (!def && !sel.metric.starts_with("novacron_")) def = lookup("novacron_" + sel.metric);
  if (!def) {
    errors.push_back(
        {sel.column, "unknown metric '" + sel.metric +
                         "' (see novacron-agent --list-metrics; an application's metric needs a "
                         "collectors.scrape target whose metrics admit it)"});
    return;
  }
  sel.def = def;
  if (def->labels == "*") return;  // a scraped metric: its labels are the application's
  std::set<std::string, std::less<>> labels;
  std::string_view list = def->labels;
  while (!list.empty()) {
    size_t comma = list.find(',');
    labels.emplace(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  for (const LabelMatcher& m : sel.matchers) {
    if (!labels.count(m.name)) {
      std::string known = def->labels.empty() ? "none" : std::string(def->labels);
      errors.push_back({sel.column, "metric " + std::string(def->name) + " has no label '" +
                                        m.name + "' (its labels: " + known + ")"});
    }
  }
}

// A copy of the tree with every selector bound: nodes stay immutable once made, and a
// condition copied before binding keeps its own tree.
ExprPtr bound(const ExprPtr& e, const MetricLookup& lookup, std::vector<ConditionError>& errors) {
  if (!e) return e;
  auto copy = std::make_shared<Expr>(*e);
  if (e->kind == Expr::Kind::kSeries || e->kind == Expr::Kind::kWindow)
    bindSelector(copy->selector, lookup, errors);
  copy->lhs = bound(e->lhs, lookup, errors);
  copy->rhs = bound(e->rhs, lookup, errors);
  return copy;
}

}  // namespace

std::vector<ConditionError> Condition::bind(const MetricLookup& lookup) {
  std::vector<ConditionError> errors;
  root_ = bound(root_, lookup, errors);
  return errors;
}

Truth Condition::evaluate(const EvalContext& ctx) const {
  Truths t = evalTruths(*root_, ctx);
  if (t.scalar) return Truth{{Labels{}, t.value}};
  Truth out;
  out.reserve(t.series.size());
  for (const auto& [labels, tri] : t.series) out.emplace_back(*labels, tri);
  return out;
}

std::optional<Condition::Comparison> Condition::comparison(const EvalContext& ctx,
                                                           const Labels& labels) const {
  if (!root_ || root_->kind != Expr::Kind::kCompare || root_->column < 1 ||
      static_cast<size_t>(root_->column) > text_.size())
    return std::nullopt;
  Comparison out;
  out.threshold = text_.substr(static_cast<size_t>(root_->column) - 1);
  while (!out.threshold.empty() && std::isspace(static_cast<unsigned char>(out.threshold.back())))
    out.threshold.pop_back();
  Numbers l = evalNumbers(*root_->lhs, ctx);
  if (l.scalar) {
    out.value = l.value;
    return out;
  }
  for (const auto& [have, v] : l.series) {
    if (*have == labels) {
      out.value = v;
      return out;
    }
  }
  bool below = root_->op == CompareOp::kLt || root_->op == CompareOp::kLe;
  bool above = root_->op == CompareOp::kGt || root_->op == CompareOp::kGe;
  for (const auto& [have, v] : l.series) {
    if (!v) continue;
    if (!out.value || (below && *v > *out.value) || (above && *v < *out.value)) out.value = v;
  }
  return out;
}

const Tri* findTruth(const Truth& truth, const Labels& labels) {
  auto it = std::lower_bound(truth.begin(), truth.end(), labels,
                             [](const auto& entry, const Labels& l) { return entry.first < l; });
  return it != truth.end() && it->first == labels ? &it->second : nullptr;
}

std::vector<std::string> Condition::metrics() const {
  std::set<std::string> names;
  visit(*root_, [&](const Expr& e) {
    if (e.kind == Expr::Kind::kSeries || e.kind == Expr::Kind::kWindow) {
      names.insert(e.selector.def ? std::string(e.selector.def->name) : e.selector.metric);
    }
  });
  return {names.begin(), names.end()};
}

bool Condition::looksAtApplicationMetrics() const {
  bool any = false;
  visit(*root_, [&](const Expr& e) {
    if ((e.kind == Expr::Kind::kSeries || e.kind == Expr::Kind::kWindow) && e.selector.def &&
        e.selector.def->labels == "*")
      any = true;
  });
  return any;
}

milliseconds Condition::maxWindow() const {
  milliseconds m{0};
  visit(*root_, [&](const Expr& e) { m = std::max(m, e.window); });
  return m;
}

}  // namespace novacron::policy
