#include "policy/limits.h"

#include <cmath>

#include "base/duration.h"

namespace novacron::policy {

using namespace std::chrono_literals;

milliseconds Limits::cooldown(const Playbook& playbook, const std::string& key) const {
  auto it = keys_.find(key);
  int returns = it == keys_.end() ? 0 : it->second.returns;
  double grown = static_cast<double>(playbook.limits.cooldown.count()) *
                 std::pow(options_.cooldown_growth, returns);
  return std::min(options_.max_cooldown, milliseconds(static_cast<int64_t>(std::min(grown, 1e15))));
}

std::pair<size_t, TimePoint> Limits::inLastHour(const std::deque<TimePoint>& q, TimePoint now) {
  size_t n = 0;
  TimePoint oldest = now;
  for (TimePoint t : q) {
    if (t <= now - 1h) continue;
    if (n++ == 0) oldest = t;
  }
  return {n, oldest};
}

std::optional<Refusal> Limits::check(const Playbook& playbook, const std::string& key,
                                     TimePoint now, bool paused) const {
  if (paused) {
    return Refusal{"kill_switch", "the kill switch is on (novacron resume turns it off)",
                   std::nullopt};
  }
  if (running_ >= options_.max_concurrent) {
    return Refusal{"actions.max_concurrent",
                   "actions.max_concurrent: " + std::to_string(running_) +
                       " actions already running, the most allowed at once",
                   std::nullopt};
  }
  if (auto [n, oldest] = inLastHour(starts_, now); static_cast<int>(n) >= options_.max_per_hour) {
    return Refusal{"actions.max_per_hour",
                   "actions.max_per_hour: " + std::to_string(n) +
                       " actions started on this host in the last hour, the most allowed",
                   oldest + 1h};
  }
  auto k = keys_.find(key);
  bool first = k == keys_.end() || !k->second.acted_in_incident;
  if (!first) return std::nullopt;  // the next step of a remediation under way
  // The cooldown keeps a returning incident from repeating the remediation at once.
  if (k != keys_.end() && k->second.last_action) {
    milliseconds cd = cooldown(playbook, key);
    TimePoint ready = *k->second.last_action + cd;
    if (now < ready) {
      return Refusal{
          "limits.cooldown",
          "limits.cooldown: cooling down for " + formatDuration(cd) + " after the last action",
          ready};
    }
  }
  if (auto r = remediations_.find(playbook.name); r != remediations_.end()) {
    // Only remediations started within the last hour count, however the incidents came and went.
    auto [n, oldest] = inLastHour(r->second, now);
    if (static_cast<int>(n) >= playbook.limits.max_runs_per_hour) {
      return Refusal{"limits.max_runs_per_hour",
                     "limits.max_runs_per_hour: " + std::to_string(n) + " remediations of " +
                         playbook.name + " in the last hour, the most allowed",
                     oldest + 1h};
    }
  }
  return std::nullopt;
}

void Limits::started(const Playbook& playbook, const std::string& key, TimePoint now) {
  auto trim = [now](std::deque<TimePoint>& q) {
    while (!q.empty() && q.front() <= now - 1h) q.pop_front();
  };
  KeyState& k = keys_[key];
  if (!k.acted_in_incident) {
    auto& q = remediations_[playbook.name];
    q.push_back(now);
    trim(q);
  }
  starts_.push_back(now);
  trim(starts_);
  k.last_action = now;
  k.acted_in_incident = true;
  ++running_;
}

void Limits::finished() {
  if (running_ > 0) --running_;
}

void Limits::opened(const Playbook& playbook, const std::string& key, TimePoint now) {
  KeyState& k = keys_[key];
  k.acted_in_incident = false;
  if (k.last_resolved && now - *k.last_resolved < cooldown(playbook, key)) {
    ++k.returns;  // came back within its cooldown: the next cooldown is longer
  } else if (k.last_resolved && now - *k.last_resolved >= options_.forget_after) {
    k.returns = 0;
  }
  // Drop state of keys nobody has seen for a long time, so the map stays bounded.
  std::erase_if(keys_, [&](const auto& kv) {
    const KeyState& s = kv.second;
    TimePoint last =
        std::max(s.last_action.value_or(TimePoint{}), s.last_resolved.value_or(TimePoint{}));
    return kv.first != key && last < now - options_.forget_after;
  });
}

void Limits::resolved(const std::string& key, TimePoint now) { keys_[key].last_resolved = now; }

}  // namespace novacron::policy
