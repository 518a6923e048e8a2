#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "actions/action_runners.h"
#include "actions/pg_action.h"
#include "base/duration.h"

namespace novacron::actions {

using json = nlohmann::json;

namespace {

std::string olderThan(const json& with, const char* key, const std::string& fallback) {
  std::string text = with.value(key, fallback);
  auto d = parseDuration(text);
  return std::to_string(d ? d->count() : 300000);
}

std::string sessionsSql(const json& with, const char* what, const std::string& extra) {
  return "SELECT pid, usename, datname, EXTRACT(EPOCH FROM now() - query_start) AS age, "
         "left(query, 200) AS query, " +
         std::string(what) +
         "(pid) AS done FROM pg_stat_activity WHERE state = 'active' AND now() - query_start > "
         "interval '" +
         olderThan(with, "older_than", "5m") + " milliseconds' AND " + sessionFilter(with) + extra;
}

}  // namespace

// The runbook's emergency query termination: cancel active queries older than `older_than`;
// with `terminate_after`, end the backends of those that ignored the cancel that long after.
void runPgCancelLongQueries(const ActionEnv& env, ActionRequest request, ActionDone done) {
  const json with = request.spec.with;
  pgRun(env, request, {sessionsSql(with, "pg_cancel_backend", "")},
        [&env, request, with, done = std::move(done)](auto r) mutable {
          if (!r) return done(failed(r.error().message));
          json cancelled = sessionsJson(r->back(), "cancelled");
          json result = {{"cancelled", cancelled}};
          if (!with.contains("terminate_after") || cancelled.empty()) {
            return done({RunState::kDone, std::move(result)});
          }
          auto wait = parseDuration(with.value("terminate_after", std::string("30s")));
          auto timer = std::make_shared<boost::asio::steady_timer>(env.io, *wait);
          std::string pids;
          for (const auto& c : cancelled)
            pids += (pids.empty() ? "" : ", ") + std::to_string(c["pid"].get<int64_t>());
          timer->async_wait([&env, request, with, timer, pids, result,
                             done = std::move(done)](boost::system::error_code) mutable {
            pgRun(env, request,
                  {sessionsSql(with, "pg_terminate_backend", " AND pid IN (" + pids + ")")},
                  [result, done = std::move(done)](auto t) mutable {
                    if (!t) return done(failed(t.error().message));
                    result["terminated"] = sessionsJson(t->back(), "terminated");
                    done({RunState::kDone, std::move(result)});
                  });
          });
        });
}

}  // namespace novacron::actions
