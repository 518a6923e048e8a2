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
    h.last_duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++h.runs;
    if (!result) {
      ++h.errors;
      if (h.ok || h.runs == 1 || h.last_error != result.error().message) {
        messages.push_back("collector " + h.name + " failed: " + result.error().message);
      }
      h.ok = false;
      h.last_error = result.error().message;
      latest_[i].clear();
      continue;
    }
    if (!h.ok && h.runs > 1) messages.push_back("collector " + h.name + " recovered");
    h.ok = true;
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
    if (h.runs == 0) continue;
    double err = static_cast<double>(h.errors) / static_cast<double>(h.runs);
    rows.push_back({h.name, "collector", h.ok ? "ok" : "down", h.last_duration_seconds, err,
                    h.ok ? "" : h.last_error});
  }
}

void CollectorGroup::sampling(
    std::vector<std::pair<std::string, const CollectorHealth*>>& out) const {
  if (!reports_) return;
  for (const auto& h : health_) out.emplace_back(name_, &h);
}

}  // namespace novacron::collectors
