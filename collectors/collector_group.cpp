#include "collectors/collector_group.h"

#include <chrono>

namespace novacron::collectors {

std::vector<std::string> CollectorGroup::sweep(TimePoint now, milliseconds budget,
                                               metrics::MetricStore& store) {
  std::vector<std::string> messages;
  for (size_t i = 0; i < collectors_.size(); ++i) {
    CollectorHealth& h = health_[i];
    auto start = std::chrono::steady_clock::now();
    auto result = collectors_[i]->collect(now, budget);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool first = h.runs == 0, was_up = h.up;
    if (!result) {
      const std::string& why = result.error().message;
      if (was_up || first || h.last_error != why)
        messages.push_back("collector " + h.name + " failed: " + why);
      h.finished(why, seconds);
      latest_[i].clear();
      continue;
    }
    if (!was_up && !first) messages.push_back("collector " + h.name + " recovered");
    h.finished({}, seconds);
    h.last_success = now;
    store.append(now, *result, &hints_[i]);
    latest_[i] = std::move(*result);
  }
  return messages;
}

void CollectorGroup::latest(collectors::Batches& out) const {
  for (const auto& batch : latest_) out.add(batch);
}

void CollectorGroup::status(std::vector<collectors::SourceStatus>& rows) const {
  if (!reports_) return;
  for (const auto& h : health_) {
    if (h.runs > 0) rows.push_back(h.row("collector"));
  }
}

void CollectorGroup::sampling(
    std::vector<std::pair<std::string, const CollectorHealth*>>& out) const {
  if (!reports_) return;
  for (const auto& h : health_) out.emplace_back(name_, &h);
}

}  // namespace novacron::collectors
