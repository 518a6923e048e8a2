#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/yaml/diagnostic.h"
#include "io/endpoint.h"

namespace novacron::coordinator {

using std::chrono::milliseconds;

/// A node the coordinators poll: its agent's /v1 base URL and the token /v1 accepts.
struct PollTarget {
  std::string node;
  std::string url;  ///< http(s)://HOST:PORT of the agent's http.listen
  std::filesystem::path token_file;
  std::string ca_file;  ///< https: the CA its certificate chains to (else the system's)
};

/// The coordinator's configuration (/etc/novacron/coordinator.yaml). Every key is optional; the
/// README's reference lists them.
struct Config {
  /// This coordinator's name among several (leases, logs); default: the host's name.
  std::string id;
  io::Endpoint listen{"127.0.0.1", 9300};
  /// Plain HTTP on an address other than loopback carries tokens in the clear: refused unless
  /// this is set (a TLS-terminating proxy in front, a private network).
  bool allow_plain_http = false;
  std::optional<std::filesystem::path> tls_cert, tls_key;
  /// With it, clients must show a certificate this CA issued (mTLS); a node's certificate then
  /// names it (CN), and must name the node its token belongs to.
  std::optional<std::filesystem::path> tls_client_ca;

  std::filesystem::path dsn_file = "/etc/novacron/coordinator.dsn";
  size_t pool_size = 8;
  size_t pool_max_waiting = 256;
  milliseconds db_timeout{std::chrono::seconds(5)};

  size_t max_body_bytes = 4 << 20;
  size_t max_events = 5000;  ///< per push
  size_t max_connections = 20000;

  milliseconds silent_after{std::chrono::minutes(3)};
  /// alertmanager.*: silent nodes are alerts there (NovacronAgentSilent); empty url: none.
  std::string alertmanager_url;
  milliseconds alertmanager_resend{std::chrono::minutes(1)};
  milliseconds retention{std::chrono::hours(24 * 90)};

  /// poll.*: nodes whose feed the coordinators read (all of them should list the same).
  std::vector<PollTarget> poll_targets;
  milliseconds poll_interval{std::chrono::seconds(10)};
  milliseconds poll_lease{std::chrono::seconds(30)};  ///< a dead coordinator's nodes wait this
  size_t poll_concurrency = 32;                       ///< polls in flight from this coordinator
  milliseconds poll_timeout{std::chrono::seconds(10)};
};

/// Reads a configuration's text: the configuration, or every problem found, positioned.
std::variant<Config, Diagnostics> parseConfig(std::string_view text, const std::string& file);

/// Reads the file; a missing file at the default path is the defaults.
std::variant<Config, Diagnostics> loadConfig(const std::filesystem::path& file, bool must_exist);

/// Why serving with `c` is refused (plain HTTP beyond loopback), or nullopt.
std::optional<std::string> servingProblem(const Config& c);

}  // namespace novacron::coordinator
