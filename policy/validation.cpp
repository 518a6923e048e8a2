#include "policy/validation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace novacron::policy {

namespace {

// The value in the unit its threshold is written in: 0.235 against "< 70%" reads "23.5%".
std::string inUnitOf(double v, const std::string& threshold) {
  char buf[64];
  auto ends = [&](std::string_view suffix) { return threshold.ends_with(suffix); };
  if (ends("%")) {
    std::snprintf(buf, sizeof(buf), "%.3g%%", v * 100);
  } else if (ends("ms")) {
    std::snprintf(buf, sizeof(buf), "%.4gms", v * 1000);
  } else if (!threshold.empty() && (ends("s") || ends("m") || ends("h") || ends("d")) &&
             std::isdigit(static_cast<unsigned char>(threshold[threshold.size() - 2]))) {
    std::snprintf(buf, sizeof(buf), "%.4gs", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.6g", v);
  }
  return buf;
}

Tri stateOf(const Criterion& c, const metrics::Labels& labels, const EvalContext& ctx) {
  Tri t = holdsFor(c.condition, labels, ctx);
  return c.negated ? triNot(t) : t;
}

const char* stateName(Tri t) {
  return t == Tri::kTrue ? "pass" : t == Tri::kFalse ? "fail" : "unknown";
}

}  // namespace

Tri Validation::verdict() const {
  Tri all = Tri::kTrue;
  for (const auto& c : criteria) {
    if (c.mandatory) all = triAnd(all, c.state);
  }
  return all;
}

int Validation::exitCode() const {
  Tri v = verdict();
  return v == Tri::kTrue ? 0 : v == Tri::kFalse ? 1 : 2;
}

Tri holdsFor(const Condition& c, const metrics::Labels& labels, const EvalContext& ctx) {
  Truth t = c.evaluate(ctx);
  const Tri* v = findTruth(t, labels);
  if (!v && t.size() == 1 && t.front().first.empty()) v = &t.front().second;
  return v ? *v : Tri::kUnknown;
}

Tri mandatoryHold(const std::vector<Criterion>& criteria, const metrics::Labels& labels,
                  const EvalContext& ctx) {
  Tri all = Tri::kTrue;
  for (const auto& c : criteria) {
    if (c.mandatory) all = triAnd(all, stateOf(c, labels, ctx));
  }
  return all;
}

Validation validate(const std::vector<Criterion>& criteria, const metrics::Labels& labels,
                    const EvalContext& ctx) {
  Validation out;
  for (const auto& c : criteria) {
    if (c.needs_data) {
      auto names = c.condition.metrics();
      if (std::all_of(names.begin(), names.end(),
                      [&](const std::string& m) { return ctx.store.select(m).empty(); }))
        continue;
    }
    CriterionResult r;
    r.name = c.name;
    r.mandatory = c.mandatory;
    r.condition = c.negated ? "not (" + c.condition.text() + ")" : c.condition.text();
    r.state = stateOf(c, labels, ctx);
    if (auto cmp = c.condition.comparison(ctx, labels)) {
      r.threshold = c.negated ? "not " + cmp->threshold : cmp->threshold;
      if (cmp->value) r.value = inUnitOf(*cmp->value, cmp->threshold);
    }
    out.criteria.push_back(std::move(r));
  }
  return out;
}

std::vector<Criterion> verificationCriteria(const Playbook& p) {
  std::vector<Criterion> out;
  for (const auto& c : p.verify.mandatory) out.push_back({c.text(), c, true});
  if (out.empty()) {
    if (p.resolve_when)
      out.push_back({"resolve_when", *p.resolve_when, true});
    else if (p.when)
      out.push_back({"when no longer holds", *p.when, true, true});
  }
  for (const auto& c : p.verify.recommended) out.push_back({c.text(), c, false});
  return out;
}

std::vector<CriterionText> runbookHostCriteria() {
  return {
      {"cpu", "cpu_usage_ratio < 70%", false, false},
      {"memory", "memory_used_ratio < 80%", false, false},
      {"database connections", "max(pg_connections_used_ratio) < 80%", false, false},
      {"error rate",
       "sum(rate(http_requests_total{code=~\"5..\"}, 5m)) / sum(rate(http_requests_total, 5m)) "
       "< 0.1%",
       true, true},
      {"p99 latency",
       "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket, 5m))) "
       "< 500ms",
       true, true},
      {"cache hit ratio", "min(redis_hit_ratio) > 95%", false, false},
  };
}

nlohmann::json validationJson(const Validation& v) {
  nlohmann::json criteria = nlohmann::json::array();
  for (const auto& c : v.criteria) {
    criteria.push_back({{"name", c.name},
                        {"condition", c.condition},
                        {"mandatory", c.mandatory},
                        {"state", stateName(c.state)},
                        {"value", c.value},
                        {"threshold", c.threshold}});
  }
  return {{"verdict", stateName(v.verdict())},
          {"exit_code", v.exitCode()},
          {"criteria", std::move(criteria)}};
}

}  // namespace novacron::policy
