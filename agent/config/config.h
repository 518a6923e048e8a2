#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "base/log.h"
#include "base/yaml/diagnostic.h"
#include "collectors/source_options.h"
#include "io/endpoint.h"

namespace novacron::agent {

using std::chrono::milliseconds;

using novacron::LogLevel;
// The option structs of each module, gathered here under the names the agent has used.
using collectors::PgQueryConfig;
using collectors::PostgresConfig;
using collectors::ProbeConfig;
using io::Endpoint;
using io::parseEndpoint;

/// A named bearer token of the /v1 API (http.tokens): the name identifies its holder.
struct TokenConfig {
  std::string name;
  std::filesystem::path file;
  friend bool operator==(const TokenConfig&, const TokenConfig&) = default;
};

/// The agent's configuration: every key optional, every default here. See the README's
/// configuration reference, which documents the same keys in the same order.
struct Config {
  std::string source = "<defaults>";  ///< the file it came from

  std::string node_id;  ///< node.id; default: the host name
  /// Started as root, the agent's main process drops to this user for good and a root broker
  /// runs what needs root (broker/server.h).
  std::string user = "novacron";
  std::map<std::string, std::string> node_labels;
  std::filesystem::path state_dir;  ///< absolute
  Endpoint http_listen{"127.0.0.1", 9810};
  std::filesystem::path control_socket_path;  ///< default: <state_dir>/agent.sock
  /// control_socket.group: may use read-only commands (the socket's group); default: the
  /// agent's own group. control_socket.admin_group: may also change things. Root and the
  /// agent's own user may always do everything.
  std::optional<std::string> control_group, control_admin_group;
  /// collectors.{root,host,processes,disk,probes,postgres}: one option struct per source.
  collectors::SourceOptions sources;
  milliseconds metrics_retention{std::chrono::minutes(15)};
  size_t metrics_max_series = 50000;
  LogLevel log_level = LogLevel::kInfo;

  /// validation: the host's recovery criteria, replacing the runbook's (policy/validation.h).
  /// Each condition is checked against the metric catalog when the policy loads.
  struct ValidationItem {
    std::string name;
    std::string condition;
    bool mandatory = true;
    std::string file;
    int line = 1, column = 1;  ///< of the condition, for messages
  };
  std::optional<std::vector<ValidationItem>> validation;

  /// Operator playbooks overriding and adding to the built-ins; none by default.
  std::optional<std::filesystem::path> playbooks_dir;
  /// dry-run: decisions are made and recorded, nothing is run.
  bool dry_run = false;
  milliseconds policy_lookback{std::chrono::seconds(30)};
  milliseconds flap_window{std::chrono::minutes(30)};
  int flap_threshold = 4;
  /// collectors.record: every sample appended as a JSON line, for `novacron-agent replay`.
  std::optional<std::filesystem::path> record_path;
  uint64_t record_max_bytes = 64ull << 20;
  /// Resolved and escalated incidents older than this are purged from the store.
  milliseconds store_retention{std::chrono::hours(24 * 30)};
  /// The most the store's pages may hold: past it, the oldest resolved incidents go first, so
  /// that an incident storm cannot fill the disk within the retention.
  uint64_t store_max_bytes = 256ull << 20;

  /// actions.*: where evidence bundles go (default <state_dir>/evidence), the systemctl program
  /// systemd_restart runs, how long a non-automated action waits for its approval, and how many
  /// actions run at once on this host.
  std::optional<std::filesystem::path> evidence_dir;
  std::filesystem::path systemctl = "/usr/bin/systemctl";
  milliseconds approval_timeout{std::chrono::minutes(30)};
  int max_concurrent_actions = 2;
  /// actions.max_per_hour: action starts on this host per sliding hour, the last guard.
  int max_actions_per_hour = 60;

  /// notify.*: the webhook that receives incident notices; none: they stay on the timeline.
  std::string notify_url;
  std::optional<std::filesystem::path> notify_token_file;
  milliseconds notify_timeout{std::chrono::seconds(10)};

  /// http.token_file (a token named "api") and http.tokens: the bearer tokens of /v1/*; with
  /// none, /v1/* is disabled. http.tls.{cert,key}: serve https instead of http.
  std::optional<std::filesystem::path> http_token_file;
  std::vector<TokenConfig> http_tokens;
  std::optional<std::filesystem::path> http_tls_cert, http_tls_key;

  /// coordinator.*: where the outbox's events are POSTed, in order of preference (`urls`, or one
  /// `url`); on failure the next is tried. None: they stay in the store.
  std::vector<std::string> coordinator_urls;
  /// How often an agent with nothing to send says it is alive (an empty batch).
  milliseconds coordinator_heartbeat{std::chrono::minutes(1)};
  /// coordinator.ca_file: the CA (PEM) that an https coordinator's certificate must chain to,
  /// instead of the system's store.
  std::optional<std::filesystem::path> coordinator_ca_file;
  /// coordinator.cert_file, coordinator.key_file: the client certificate (PEM) shown to a
  /// coordinator that requires one (its CN is the node's id); the key is a secret of the agent's.
  std::optional<std::filesystem::path> coordinator_cert_file, coordinator_key_file;
  std::optional<std::filesystem::path> coordinator_token_file;
  milliseconds coordinator_timeout{std::chrono::seconds(10)};
  size_t coordinator_batch_size = 500;
  size_t outbox_max_events = 100000;
  milliseconds coordinator_backoff_max{std::chrono::minutes(5)};

  /// alertmanager.*: open incidents pushed as alerts to Alertmanager's v2 API.
  std::string alertmanager_url;
  milliseconds alertmanager_resend_interval{std::chrono::minutes(1)};
  milliseconds alertmanager_timeout{std::chrono::seconds(5)};

  std::filesystem::path evidenceDir() const {
    return evidence_dir.value_or(state_dir / "evidence");
  }
};

/// What the defaults depend on, passed in so that tests are deterministic.
struct ConfigEnv {
  std::string hostname;
  std::optional<std::string> state_dir;  ///< $NOVACRON_STATE_DIR, else systemd's $STATE_DIRECTORY
  std::filesystem::path cwd;
  bool enforce_ownership = false;  ///< running as root: config files must be root's
  static ConfigEnv current();
};

struct ConfigResult {
  std::optional<Config> config;  ///< set when there are no errors
  Diagnostics errors;
};

/// The embedded defaults: what the agent runs on without --config.
Config defaultConfig(const ConfigEnv& env);

/// Parses configuration text; `file` names it in diagnostics.
ConfigResult parseConfig(std::string_view yaml, const std::string& file, const ConfigEnv& env);

/// Reads and parses a configuration file, refusing one that others could have written when
/// env.enforce_ownership is set.
ConfigResult loadConfig(const std::filesystem::path& file, const ConfigEnv& env);

/// The reference of every source's keys under `collectors` (Markdown), from the tables the
/// reader reads them by and the plugins' descriptors: `novacron-agent --list-sources` and the
/// README's, checked by the docs test.
std::string sourcesReference();

}  // namespace novacron::agent
