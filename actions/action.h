#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "collectors/postgres/postgres_config.h"
#include "collectors/redis/redis_config.h"
#include "io/containment.h"
#include "metrics/metric_store.h"
#include "policy/playbook.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace novacron::actions {

/// Where notifications go: one webhook for the agent's own notices and `notify` actions.
struct NotifySettings {
  std::string url;  ///< empty: notifications are recorded on the timeline only
  std::optional<std::filesystem::path> token_file;  ///< sent as a bearer token; never logged
  milliseconds timeout{std::chrono::seconds(10)};
};

/// Agent-wide settings the action types need, from the configuration.
struct ActionSettings {
  std::string node_id;
  std::map<std::string, std::string> node_labels;
  /// evidence_bundle writes here; created 0700, root's only.
  std::filesystem::path evidence_dir;
  std::string systemctl = "/usr/bin/systemctl";
  NotifySettings notify;
  /// The PostgreSQL instances the pg_* actions may name (collectors.postgres).
  std::vector<collectors::PostgresConfig> postgres = {};
  /// The Redis instances redis_command may name (collectors.redis).
  std::vector<collectors::RedisConfig> redis = {};
  /// Hosts firewall_block never blocks besides the host's own addresses: the coordinator,
  /// Alertmanager and notify endpoints (names or addresses, resolved when a block is made).
  std::vector<std::string> keep_hosts = {};
};

struct ActionRequest;
struct ActionOutcome;
/// Runs an action that needs root in the broker (broker/client.h): the unprivileged agent asks,
/// the broker checks the request against its own copy of the policy and runs it.
using BrokerRun = std::function<void(ActionRequest, std::function<void(ActionOutcome)>)>;

/// What an action runs with: the services of the agent, all outliving the action.
struct ActionEnv {
  boost::asio::io_context& io;
  /// For work that blocks on files (evidence bundles), off the event loop.
  boost::asio::thread_pool& workers;
  const metrics::MetricStore& metrics;
  const ActionSettings& settings;
  /// Where the runs' processes are held (a cgroup each); null: process groups.
  const io::Containment* containment = nullptr;
  /// Set in the agent's unprivileged main process: the types that need root go there.
  BrokerRun broker = {};
};

/// One run of one action of one incident.
struct ActionRequest {
  std::string playbook;
  policy::ActionSpec spec;
  std::string incident_id;
  int64_t run_id = 0;
  /// The values of `{incident.*}` and `{labels.*}` placeholders.
  std::map<std::string, std::string> values;
  TimePoint now{};
  /// Receives the pid (and process group) of every child the action starts, on the loop.
  std::function<void(pid_t)> on_started;
  /// Put in every child's environment as NOVACRON_RUN: it finds the run's processes after a
  /// kill -9 that came before their pid was recorded (actions/orphans.h).
  std::string marker;
  /// evidence_bundle: the diagnostics report, made where the metrics are (the main process).
  std::string diagnostics = {};
};

/// One thing a run that needs root is expected to do, as the agent and the broker both work it out
/// from the action and the placeholder values (registry.h, `expect`): the broker runs only when
/// its own copy of the policy yields the same. `compare` says how a difference is told.
struct Expected {
  enum class Compare {
    kSequence,  ///< the items in order: an argv, the addresses ("... differs from the policy's")
    kOne,       ///< one item: a unit ("... is not the one the action names")
    kSubset,    ///< items the agent may ask only among the policy's: a path ("... not in the list")
  };
  std::string field;  ///< a plain name: "argv", "unit", "path", "addresses", "timeout_ms"
  Compare compare = Compare::kSequence;
  std::vector<std::string> items;
};
using Expectation = std::vector<Expected>;

/// Where one run of an action stands. Text only at the edges (the store, the API, the broker's
/// wire), through runStateName() and parseRunState().
enum class RunState {
  kRunning,
  kDone,
  kFailed,
  kTimedOut,
  kOomKilled,    ///< the kernel ended it for its memory limit
  kInterrupted,  ///< the agent stopped or was killed while it ran
  kSkipped,      ///< not run: dry-run, or nothing to do (notify without a URL)
};
std::string_view runStateName(RunState s);
std::optional<RunState> parseRunState(std::string_view text);

/// How a run ended: done, failed or timed_out, and a JSON object that says what happened. It
/// never holds a secret.
struct ActionOutcome {
  RunState state = RunState::kFailed;
  nlohmann::json result = nlohmann::json::object();
};
using ActionDone = std::function<void(ActionOutcome)>;

/// Runs `request` by its type without blocking the loop. `done` is called exactly once, on the
/// loop's thread, possibly before runAction returns.
void runAction(const ActionEnv& env, ActionRequest request, ActionDone done);

/// A notice as the agent sends it: a subject line and a text.
struct Notice {
  std::string subject, text;
};
/// Fills a notification template ("Subject: …" on its first line, then the text).
Result<Notice> renderNotice(const std::string& templ,
                            const std::map<std::string, std::string>& values);
/// Renders `templ` and POSTs it as JSON to `url` (the bearer token from notify.token_file):
/// done when the webhook answers 2xx, failed otherwise, skipped without a URL.
void sendNotice(const ActionEnv& env, const std::string& templ,
                const std::map<std::string, std::string>& values, const std::string& url,
                ActionDone done);

/// Whether these placeholder values can fill `spec`'s templates: an argument that would become
/// an option, a header that would split, a unit name that is not one. Used before an incident
/// opened by hand, so that a bad label is refused then and not after an approval.
Result<void> checkValues(const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values);

/// Whether the values fill `spec`'s {labels.NAME} as `playbook` declares them
/// (policy/label_types.h): each fits its type, and a user is one that exists on this host. For an
/// incident opened on an application's series (`from_application`: the playbook's `when` looks
/// at scraped metrics and nobody triggered it by hand), a label reaches an action that needs root
/// only where the playbook declared it from_scrape. The agent checks before an incident opens by
/// hand and before each run; the root broker again, with its own copy of the policy.
Result<void> checkLabels(const policy::Playbook& playbook, const policy::ActionSpec& spec,
                         const std::map<std::string, std::string>& values, bool from_application);

/// The cgroup of this run ("run-<id>", with the action's resources), or null where there is no
/// containment by cgroup. An error when one should be made and cannot: the run must not start
/// uncontained.
Result<io::RunCgroupPtr> runCgroup(const ActionEnv& env, const ActionRequest& request);

/// A failed outcome with a message.
ActionOutcome failed(const std::string& error);

}  // namespace novacron::actions
