#include "policy/limits.h"

#include <cmath>

#include "policy/duration.h"

namespace novacron::policy {

using namespace std::chrono_literals;

milliseconds Limits::cooldown(const Playbook& playbook, const std::string& key) const {
  auto it = keys_.find(key);
  int returns = it == keys_.end() ? 0 : it->second.returns;
  double grown = static_cast<double>(playbook.limits.cooldown.count()) *
                 std::pow(options_.cooldown_growth, returns);
  return std::min(options_.max_cooldown, milliseconds(static_cast<int64_t>(std::min(grown, 1e15))));
}

std::optional<Refusal> Limits::check(const Playbook& playbook, const std::string& key,
                                     TimePoint now, bool paused) const {
  if (paused) return Refusal{"the kill switch is on (novacron resume turns it off)", std::nullopt};
  if (running_ >= options_.max_concurrent) {
    return Refusal{std::to_string(running_) + " actions already running, the most allowed at once",
                   std::nullopt};
  }
  auto k = keys_.find(key);
  // The cooldown keeps a returning incident from repeating the remediation at once; the steps of
  // one incident follow each other without it.
  if (k != keys_.end() && k->second.last_action && !k->second.acted_in_incident) {
    milliseconds cd = cooldown(playbook, key);
    TimePoint ready = *k->second.last_action + cd;
    if (now < ready) {
      return Refusal{"cooling down for " + formatDuration(cd) + " after the last action", ready};
    }
  }
  auto r = runs_.find(playbook.name);
  if (r != runs_.end()) {
    // Only starts within the last hour count, however the incidents came and went.
    size_t recent = 0;
    for (TimePoint t : r->second) recent += t > now - 1h;
    if (static_cast<int>(recent) >= playbook.limits.max_runs_per_hour) {
      TimePoint oldest = r->second.front();
      for (TimePoint t : r->second) {
        if (t > now - 1h) {
          oldest = t;
          break;
        }
      }
      return Refusal{std::to_string(recent) + " runs of " + playbook.name +
                         " in the last hour, the most allowed",
                     oldest + 1h};
    }
  }
  return std::nullopt;
}

void Limits::started(const Playbook& playbook, const std::string& key, TimePoint now) {
  auto& q = runs_[playbook.name];
  q.push_back(now);
  while (!q.empty() && q.front() <= now - 1h) q.pop_front();
  keys_[key].last_action = now;
  keys_[key].acted_in_incident = true;
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
