#include "policy/condition.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

namespace novacron::policy {
namespace {

using collectors::Labels;
using collectors::Series;
using collectors::WindowFn;

// --- evaluation ----------------------------------------------------------------------------------

// Label sets are compared by content but held by pointer: during one evaluation they live in
// the store's series (or are the shared empty set), so no evaluation copies a label.
const Labels kNoLabels;
bool labelsLess(const Labels* a, const Labels* b) { return *a < *b; }

// A number per label set, sorted by labels; `scalar` when it does not depend on series.
struct Numbers {
  bool scalar = true;
  std::optional<double> value;
  std::vector<std::pair<const Labels*, std::optional<double>>> series;
};

struct Truths {
  bool scalar = true;
  Tri value = Tri::kUnknown;
  std::vector<std::pair<const Labels*, Tri>> series;
};

bool matches(const Series& s, const Selector& sel) {
  for (const LabelMatcher& m : sel.matchers) {
    std::string_view have;
    for (const auto& l : s.labels()) {
      if (l.name == m.name) have = l.value;
    }
    if ((have == m.value) != m.equal) return false;
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

Numbers evalNumbers(const Expr& e, const EvalContext& ctx) {
  Numbers out;
  if (e.kind == Expr::Kind::kNumber) {
    out.value = e.number;
    return out;
  }
  out.scalar = false;
  std::string_view name =
      e.selector.def ? e.selector.def->name : std::string_view(e.selector.metric);
  // An equality matcher narrows the candidates through the store's label index.
  const LabelMatcher* eq = nullptr;
  for (const LabelMatcher& m : e.selector.matchers) {
    if (m.equal) {
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
                                  ? collectors::windowLast(*s, ctx.now, ctx.lookback)
                                  : collectors::evalWindow(e.fn, *s, ctx.now, e.window, e.horizon);
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

Truths evalTruths(const Expr& e, const EvalContext& ctx) {
  Truths out;
  if (e.kind == Expr::Kind::kCompare) {
    Numbers l = evalNumbers(*e.lhs, ctx), r = evalNumbers(*e.rhs, ctx);
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

std::vector<ConditionError> Condition::bind(const MetricLookup& lookup) {
  std::vector<ConditionError> errors;
  // Binding writes into nodes that are otherwise immutable; it runs once, before sharing.
  visit(*root_, [&](const Expr& ce) {
    if (ce.kind != Expr::Kind::kSeries && ce.kind != Expr::Kind::kWindow) return;
    Selector& sel = const_cast<Expr&>(ce).selector;
    const collectors::MetricDef* def = lookup(sel.metric);
    if (!def && !sel.metric.starts_with("novacron_")) def = lookup("novacron_" + sel.metric);
    if (!def) {
      errors.push_back(
          {sel.column, "unknown metric '" + sel.metric + "' (see novacron-agent --list-metrics)"});
      return;
    }
    sel.def = def;
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
  });
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

milliseconds Condition::maxWindow() const {
  milliseconds m{0};
  visit(*root_, [&](const Expr& e) { m = std::max(m, e.window); });
  return m;
}

}  // namespace novacron::policy
