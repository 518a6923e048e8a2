#include "agent/store_upkeep.h"

#include "base/duration.h"
#include "base/guard.h"
#include "base/log.h"
#include "incidents/store.h"

namespace novacron::agent {

// Once an hour, resolved and escalated incidents past store.retention go, with their events.
void StoreUpkeep::purgeOldIncidents(TimePoint now) {
  if (now - last_purge_ < std::chrono::hours(1)) return;
  last_purge_ = now;
  // With a coordinator, an incident whose events it has not had yet stays.
  if (auto n = store_->purgeResolvedBefore(now - config_.store_retention,
                                           !config_.coordinator_urls.empty());
      !n) {
    logError(n.error().message);
  } else if (*n > 0) {
    logInfo("purged " + std::to_string(*n) + " incident(s) older than " +
            formatDuration(config_.store_retention));
  }
}

void StoreUpkeep::start(incidents::Store& store) {
  store_ = &store;
  run();
  schedule();
}

void StoreUpkeep::run() {
  guarded("the store's upkeep", [this] {
    purgeOldIncidents(clock_.now());
    boundSize();
  });
}

void StoreUpkeep::schedule() {
  timer_.expires_after(std::chrono::minutes(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    run();
    schedule();
  });
}

// An idle agent writes nothing, and then runs no SQL at all for this.
void StoreUpkeep::boundSize() {
  int64_t writes = store_->writes();
  if (writes == writes_at_size_check_) return;
  auto max = static_cast<int64_t>(config_.store_max_bytes);
  // What happens after a resolution (its notice, a late action's result) is recorded on it.
  auto r = store_->boundSize(max, clock_.now() - std::chrono::minutes(10),
                             !config_.coordinator_urls.empty());
  writes_at_size_check_ = store_->writes();
  if (!r) {
    logError(r.error().message);
    return;
  }
  const auto mib = [](int64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20); };
  if (r->purged > 0) {
    logInfo(
        "purged the " + std::to_string(r->purged) +
        " resolved incident(s) that ended first: the store held more than store.max_size_mib (" +
        mib(max) + " MiB)");
  }
  bool over = r->used > max;
  if (over && !over_size_) {
    logWarning("the store holds " + mib(r->used) + " MiB, more than store.max_size_mib (" +
               mib(max) +
               " MiB), and nothing more can go yet: the rest are open, resolved in the last "
               "10 minutes, running an action or waiting for the coordinator");
  }
  over_size_ = over;
}

}  // namespace novacron::agent
