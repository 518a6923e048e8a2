#include "agent/config/config.h"

#include <grp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <map>
#include <set>

#include "agent/config/config_readers.h"
#include "base/defaults.h"
#include "base/proc_file.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/yaml/file_trust.h"
#include "base/yaml/yaml_reader.h"
#include "collectors/host/disk_space.h"
#include "io/url.h"
#include "policy/action_schema.h"

namespace novacron::agent {

namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;

bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [A-Za-z0-9][A-Za-z0-9._-]{0,62}: safe in file names, URLs and incident ids.
bool validNodeId(const std::string& id) {
  if (id.empty() || id.size() > 63 || !isAlnum(id[0])) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return isAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

// Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*, and "__" is reserved.
bool validLabelName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || name.starts_with("__"))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isAlnum(c) || c == '_'; });
}

}  // namespace

std::filesystem::path absoluteFrom(const std::filesystem::path& cwd, const std::string& p) {
  std::filesystem::path path(p);
  return (path.is_absolute() ? path : cwd / path).lexically_normal();
}

namespace {

std::optional<LogLevel> parseLogLevel(const std::string& s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "notice") return LogLevel::kNotice;
  if (s == "warning") return LogLevel::kWarning;
  if (s == "error") return LogLevel::kError;
  return std::nullopt;
}

// Each section reads its own keys; every problem goes to the reader's diagnostics.
void readNode(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!r.checkMap(n, "node", {"id", "labels"})) return;
  if (auto id = r.get(n, "id", "node.id"); id.IsDefined()) {
    if (auto s = r.string(id, "node.id")) {
      if (validNodeId(*s))
        c.node_id = *s;
      else
        r.error(id, "node.id '" + *s + "' must be 1-63 letters, digits, '.', '_' or '-'");
    }
  }
  if (auto labels = r.get(n, "labels", "node.labels"); labels.IsDefined()) {
    if (auto m = r.stringMap(labels, "node.labels")) {
      for (const auto& kv : labels.entries()) {
        if (!validLabelName(kv.first.Scalar())) {
          r.error(kv.first,
                  "node.labels: '" + kv.first.Scalar() + "' is not a valid Prometheus label name");
        }
      }
      c.node_labels = *m;
    }
  }
}

bool validTokenName(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || std::isdigit(static_cast<unsigned char>(ch)) || ch == '_' ||
           ch == '-';
  });
}

}  // namespace

// An absolute path that only root may write, when the agent runs as root.
std::optional<std::filesystem::path> readPath(YamlReader& r, const yaml::Node& n,
                                              const std::string& what, const ConfigEnv& env) {
  auto s = r.string(n, what);
  if (!s) return std::nullopt;
  return absoluteFrom(env.cwd, *s);
}

namespace {}  // namespace

// A file holding a password or token: absolute, readable, never open to others or writable by
// its group; and, when root starts the agent, readable by the user the agent drops to (`user`;
// empty for a file read before the drop, the TLS key): 0640 root:<its group>, or its own 0600.
std::optional<std::filesystem::path> readSecretPath(YamlReader& r, const yaml::Node& n,
                                                    const std::string& what, const ConfigEnv& env,
                                                    const std::string& user) {
  auto p = readPath(r, n, what, env);
  if (!p) return std::nullopt;
  if (::access(p->c_str(), R_OK) != 0) {
    r.error(n, what + " " + p->string() + " is missing or unreadable");
    return std::nullopt;
  }
  struct stat st {};
  if (!env.enforce_ownership || ::stat(p->c_str(), &st) != 0) return p;
  if (auto why = secretModeProblem(st)) {
    r.error(n, what + " " + p->string() + " " + *why);
    return std::nullopt;
  }
  if (auto why = secretReaderProblem(st, user, p->string())) {
    r.error(n, what + " " + p->string() + " " + *why);
    return std::nullopt;
  }
  return p;
}

namespace {

void readHttp(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!r.checkMap(n, "http", {"listen", "token_file", "tokens", "tls"})) return;
  if (auto listen = r.get(n, "listen", "http.listen"); listen.IsDefined()) {
    if (auto s = r.string(listen, "http.listen")) {
      std::string why;
      if (auto ep = parseEndpoint(*s, why))
        c.http_listen = *ep;
      else
        r.error(listen, "http.listen '" + *s + "': " + why);
    }
  }
  if (auto v = r.get(n, "token_file", "http.token_file"); v.IsDefined()) {
    if (auto p = readSecretPath(r, v, "http.token_file", env, c.user)) c.http_token_file = *p;
  }
  if (auto list = r.get(n, "tokens", "http.tokens"); list.IsDefined()) {
    if (!list.IsSequence()) {
      r.error(list, "http.tokens must be a list of {name, file}");
    } else {
      std::set<std::string> names;
      for (size_t i = 0; i < list.items().size(); ++i) {
        const yaml::Node& t = list.items()[i];
        std::string where = "http.tokens[" + std::to_string(i) + "]";
        if (!r.checkMap(t, where, {"name", "file"})) continue;
        auto name = r.get(t, "name", where + ".name");
        auto file = r.get(t, "file", where + ".file");
        if (!name.IsDefined() || !file.IsDefined()) {
          r.error(t, where + " needs a name and a file");
          continue;
        }
        auto s = r.string(name, where + ".name");
        if (!s) continue;
        // The name is an identity on the timeline: plain, and never like a user's "name (uid N)".
        if (!validTokenName(*s)) {
          r.error(name,
                  where + ".name '" + *s + "' must be 1-32 lower-case letters, digits, '_' or '-'");
          continue;
        }
        if (!names.insert(*s).second || (*s == "api" && c.http_token_file)) {
          r.error(name, where + ": a second token named '" + *s + "'");
          continue;
        }
        if (auto p = readSecretPath(r, file, where + ".file", env, c.user))
          c.http_tokens.push_back({*s, *p});
      }
    }
  }
  if (auto tls = r.get(n, "tls", "http.tls"); tls.IsDefined()) {
    if (!r.checkMap(tls, "http.tls", {"cert", "key"})) return;
    auto cert = r.get(tls, "cert", "http.tls.cert");
    auto key = r.get(tls, "key", "http.tls.key");
    if (!cert.IsDefined() || !key.IsDefined()) {
      r.error(tls, "http.tls needs both cert and key");
      return;
    }
    if (auto p = readPath(r, cert, "http.tls.cert", env)) {
      if (::access(p->c_str(), R_OK) != 0)
        r.error(cert, "http.tls.cert " + p->string() + " is missing or unreadable");
      else
        c.http_tls_cert = *p;
    }
    if (auto p = readSecretPath(r, key, "http.tls.key", env, "")) c.http_tls_key = *p;
  }
}

// A URL the agent posts to: http or https, no credentials in it.
std::string readUrl(YamlReader& r, const yaml::Node& n, const std::string& what) {
  auto s = r.string(n, what);
  if (!s) return {};
  if (auto u = io::parseUrl(*s); !u) {
    r.error(n, what + ": " + u.error().message);
    return {};
  }
  return *s;
}

void readCoordinator(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!r.checkMap(n, "coordinator",
                  {"url", "urls", "token_file", "timeout", "batch_size", "outbox_max_events",
                   "backoff_max", "heartbeat", "ca_file", "cert_file", "key_file"}))
    return;
  auto one = r.get(n, "url", "coordinator.url");
  auto list = r.get(n, "urls", "coordinator.urls");
  if (one.IsDefined() && list.IsDefined()) {
    r.error(list, "coordinator: give url or urls, not both");
  } else if (one.IsDefined()) {
    if (auto u = readUrl(r, one, "coordinator.url"); !u.empty()) c.coordinator_urls = {u};
  } else if (list.IsDefined()) {
    if (!list.IsSequence() || list.size() == 0 || list.size() > 8) {
      r.error(list, "coordinator.urls: a list of 1 to 8 URLs, the preferred first");
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        auto u = readUrl(r, list.items()[i], "coordinator.urls[" + std::to_string(i) + "]");
        if (!u.empty()) c.coordinator_urls.push_back(u);
      }
    }
  }
  if (auto v = r.get(n, "heartbeat", "coordinator.heartbeat"); v.IsDefined()) {
    if (auto d = r.duration(v, "coordinator.heartbeat", 1s, 1h)) c.coordinator_heartbeat = *d;
  }
  if (auto v = r.get(n, "ca_file", "coordinator.ca_file"); v.IsDefined()) {
    if (auto path = r.string(v, "coordinator.ca_file")) c.coordinator_ca_file = *path;
  }
  if (auto v = r.get(n, "cert_file", "coordinator.cert_file"); v.IsDefined()) {
    if (auto path = r.string(v, "coordinator.cert_file")) c.coordinator_cert_file = *path;
  }
  if (auto v = r.get(n, "key_file", "coordinator.key_file"); v.IsDefined()) {
    if (auto p = readSecretPath(r, v, "coordinator.key_file", env, c.user))
      c.coordinator_key_file = *p;
  }
  if (c.coordinator_cert_file.has_value() != c.coordinator_key_file.has_value())
    r.error(n, "coordinator: cert_file and key_file go together");
  if (auto v = r.get(n, "token_file", "coordinator.token_file"); v.IsDefined()) {
    if (auto p = readSecretPath(r, v, "coordinator.token_file", env, c.user))
      c.coordinator_token_file = *p;
  }
  if (auto v = r.get(n, "timeout", "coordinator.timeout"); v.IsDefined()) {
    if (auto d = r.duration(v, "coordinator.timeout", 100ms, 5min)) c.coordinator_timeout = *d;
  }
  if (auto v = r.get(n, "batch_size", "coordinator.batch_size"); v.IsDefined()) {
    if (auto i = r.integer(v, "coordinator.batch_size", 1, 5000))
      c.coordinator_batch_size = static_cast<size_t>(*i);
  }
  if (auto v = r.get(n, "outbox_max_events", "coordinator.outbox_max_events"); v.IsDefined()) {
    if (auto i = r.integer(v, "coordinator.outbox_max_events", 100, 100000000))
      c.outbox_max_events = static_cast<size_t>(*i);
  }
  if (auto v = r.get(n, "backoff_max", "coordinator.backoff_max"); v.IsDefined()) {
    if (auto d = r.duration(v, "coordinator.backoff_max", 1s, 24h)) c.coordinator_backoff_max = *d;
  }
}

void readAlertmanager(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!r.checkMap(n, "alertmanager", {"url", "resend_interval", "timeout"})) return;
  if (auto v = r.get(n, "url", "alertmanager.url"); v.IsDefined())
    c.alertmanager_url = readUrl(r, v, "alertmanager.url");
  if (auto v = r.get(n, "resend_interval", "alertmanager.resend_interval"); v.IsDefined()) {
    if (auto d = r.duration(v, "alertmanager.resend_interval", 1s, 1h))
      c.alertmanager_resend_interval = *d;
  }
  if (auto v = r.get(n, "timeout", "alertmanager.timeout"); v.IsDefined()) {
    if (auto d = r.duration(v, "alertmanager.timeout", 100ms, 1min)) c.alertmanager_timeout = *d;
  }
}

void readActions(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!r.checkMap(
          n, "actions",
          {"evidence_dir", "systemctl", "approval_timeout", "max_concurrent", "max_per_hour"}))
    return;
  if (auto v = r.get(n, "evidence_dir", "actions.evidence_dir"); v.IsDefined()) {
    if (auto p = readPath(r, v, "actions.evidence_dir", env)) c.evidence_dir = *p;
  }
  if (auto v = r.get(n, "systemctl", "actions.systemctl"); v.IsDefined()) {
    if (auto s = r.string(v, "actions.systemctl")) {
      if (!s->starts_with("/"))
        r.error(v, "actions.systemctl '" + *s + "' must be an absolute path");
      else if (::access(s->c_str(), X_OK) != 0)
        r.error(v, "actions.systemctl " + *s + " is missing or not executable");
      else
        c.systemctl = *s;
    }
  }
  if (auto v = r.get(n, "approval_timeout", "actions.approval_timeout"); v.IsDefined()) {
    if (auto d = r.duration(v, "actions.approval_timeout", 1min, 7 * 24h)) c.approval_timeout = *d;
  }
  if (auto v = r.get(n, "max_concurrent", "actions.max_concurrent"); v.IsDefined()) {
    if (auto i = r.integer(v, "actions.max_concurrent", 1, 64))
      c.max_concurrent_actions = static_cast<int>(*i);
  }
  if (auto v = r.get(n, "max_per_hour", "actions.max_per_hour"); v.IsDefined()) {
    if (auto i = r.integer(v, "actions.max_per_hour", 1, 100000))
      c.max_actions_per_hour = static_cast<int>(*i);
  }
}

void readNotify(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!r.checkMap(n, "notify", {"url", "token_file", "timeout"})) return;
  if (auto v = r.get(n, "url", "notify.url"); v.IsDefined())
    c.notify_url = readUrl(r, v, "notify.url");
  if (auto v = r.get(n, "token_file", "notify.token_file"); v.IsDefined()) {
    if (auto p = readSecretPath(r, v, "notify.token_file", env, c.user)) c.notify_token_file = *p;
  }
  if (auto v = r.get(n, "timeout", "notify.timeout"); v.IsDefined()) {
    if (auto d = r.duration(v, "notify.timeout", 100ms, 5min)) c.notify_timeout = *d;
  }
}

void readPolicy(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!r.checkMap(n, "policy", {"lookback", "flapping"})) return;
  if (auto v = r.get(n, "lookback", "policy.lookback"); v.IsDefined()) {
    if (auto d = r.duration(v, "policy.lookback", 1s, 1h)) c.policy_lookback = *d;
  }
  if (auto f = r.get(n, "flapping", "policy.flapping"); f.IsDefined()) {
    if (r.checkMap(f, "policy.flapping", {"window", "threshold"})) {
      if (auto v = r.get(f, "window", "policy.flapping.window"); v.IsDefined()) {
        if (auto d = r.duration(v, "policy.flapping.window", 1min, 24h)) c.flap_window = *d;
      }
      if (auto v = r.get(f, "threshold", "policy.flapping.threshold"); v.IsDefined()) {
        if (auto t = r.integer(v, "policy.flapping.threshold", 2, 1000))
          c.flap_threshold = static_cast<int>(*t);
      }
    }
  }
}

void readMetrics(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!r.checkMap(n, "metrics", {"retention", "max_series"})) return;
  if (auto v = r.get(n, "retention", "metrics.retention"); v.IsDefined()) {
    if (auto d = r.duration(v, "metrics.retention", 1min, 24h)) c.metrics_retention = *d;
  }
  if (auto v = r.get(n, "max_series", "metrics.max_series"); v.IsDefined()) {
    if (auto m = r.integer(v, "metrics.max_series", 100, 10'000'000)) {
      c.metrics_max_series = static_cast<size_t>(*m);
    }
  }
}

}  // namespace

ConfigEnv ConfigEnv::current() {
  ConfigEnv env;
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) env.hostname = host;
  env.state_dir = stateDirFromEnvironment();
  std::error_code ec;
  env.cwd = std::filesystem::current_path(ec);
  env.enforce_ownership = ::geteuid() == 0;
  return env;
}

Config defaultConfig(const ConfigEnv& env) {
  Config c;
  // A host name is not always a valid node id (it may hold other characters); keep its safe part.
  std::string id;
  for (char ch : env.hostname) {
    id += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_')
              ? ch
              : '-';
  }
  c.node_id = validNodeId(id) ? id : "localhost";
  c.state_dir = absoluteFrom(env.cwd, env.state_dir.value_or(std::string(kDefaultStateDir)));
  c.control_socket_path = c.state_dir / kControlSocketName;
  c.sources.host.disk_exclude_fstypes = collectors::defaultExcludedFstypes();
  return c;
}

namespace {

// What reading the sections shares: where the control socket's path was given, for the check of
// its length once every section is read.
struct Reading {
  YamlReader& r;
  Config& c;
  const ConfigEnv& env;
  yaml::Node socket_node;
};

void readUser(Reading& in, const yaml::Node& n) {
  auto s = in.r.string(n, "user");
  if (!s) return;
  if (s->empty() || *s == "root" || s->find_first_of(" :/\n") != std::string::npos)
    in.r.error(n, "user '" + escapeControl(*s) +
                      "' must name the unprivileged user the agent runs as, not root");
  else
    in.c.user = *s;
}

void readStore(Reading& in, const yaml::Node& n) {
  if (!in.r.checkMap(n, "store", {"retention", "max_size_mib"})) return;
  if (auto v = in.r.get(n, "retention", "store.retention"); v.IsDefined()) {
    if (auto d = in.r.duration(v, "store.retention", 1h, 3650 * 24h)) in.c.store_retention = *d;
  }
  if (auto v = in.r.get(n, "max_size_mib", "store.max_size_mib"); v.IsDefined()) {
    if (auto m = in.r.integer(v, "store.max_size_mib", 1, 1 << 20))
      in.c.store_max_bytes = static_cast<uint64_t>(*m) << 20;
  }
}

void readMode(Reading& in, const yaml::Node& n) {
  auto s = in.r.string(n, "mode");
  if (!s) return;
  if (*s == "enforce" || *s == "dry-run")
    in.c.dry_run = *s == "dry-run";
  else
    in.r.error(n, "mode '" + *s + "' must be enforce or dry-run");
}

void readStateDir(Reading& in, const yaml::Node& n) {
  if (auto s = in.r.string(n, "state_dir")) {
    in.c.state_dir = absoluteFrom(in.env.cwd, *s);
    in.c.control_socket_path = in.c.state_dir / kControlSocketName;
  }
}

void readControlSocket(Reading& in, const yaml::Node& n) {
  if (!in.r.checkMap(n, "control_socket", {"path", "group", "admin_group"})) return;
  for (const char* key : {"group", "admin_group"}) {
    std::string what = std::string("control_socket.") + key;
    auto g = in.r.get(n, key, what);
    if (!g.IsDefined()) continue;
    if (auto name = in.r.string(g, what)) {
      if (!::getgrnam(name->c_str()))
        in.r.error(g, what + ": no group '" + *name + "' on this host");
      else
        (std::string_view(key) == "group" ? in.c.control_group : in.c.control_admin_group) = *name;
    }
  }
  auto path = in.r.get(n, "path", "control_socket.path");
  if (!path.IsDefined()) return;
  if (auto s = in.r.string(path, "control_socket.path")) {
    in.c.control_socket_path = absoluteFrom(in.env.cwd, *s);
    in.socket_node = path;
  }
}

void readLog(Reading& in, const yaml::Node& n) {
  if (!in.r.checkMap(n, "log", {"level"})) return;
  auto lv = in.r.get(n, "level", "log.level");
  if (!lv.IsDefined()) return;
  if (auto s = in.r.string(lv, "log.level")) {
    if (auto level = parseLogLevel(*s))
      in.c.log_level = *level;
    else
      in.r.error(lv, "log.level '" + *s + "' must be debug, info, notice, warning or error");
  }
}

// The top-level sections, in the order the file's keys are listed in errors. `early` ones are
// read first: the user a secret file must suit, the state directory the socket's default is in.
struct Section {
  std::string_view key;
  void (*read)(Reading& in, const yaml::Node& n);
  bool early = false;
};
constexpr Section kSections[] = {
    {"node", [](Reading& in, const yaml::Node& n) { readNode(in.r, n, in.c); }},
    {"state_dir", &readStateDir, true},
    {"http", [](Reading& in, const yaml::Node& n) { readHttp(in.r, n, in.c, in.env); }},
    {"control_socket", &readControlSocket},
    {"collectors", [](Reading& in, const yaml::Node& n) { readCollectors(in.r, n, in.c, in.env); }},
    {"metrics", [](Reading& in, const yaml::Node& n) { readMetrics(in.r, n, in.c); }},
    {"log", &readLog},
    {"mode", &readMode},
    {"playbooks_dir",
     [](Reading& in, const yaml::Node& n) {
       if (auto s = in.r.string(n, "playbooks_dir"))
         in.c.playbooks_dir = absoluteFrom(in.env.cwd, *s);
     }},
    {"policy", [](Reading& in, const yaml::Node& n) { readPolicy(in.r, n, in.c); }},
    {"store", &readStore},
    {"actions", [](Reading& in, const yaml::Node& n) { readActions(in.r, n, in.c, in.env); }},
    {"notify", [](Reading& in, const yaml::Node& n) { readNotify(in.r, n, in.c, in.env); }},
    {"coordinator",
     [](Reading& in, const yaml::Node& n) { readCoordinator(in.r, n, in.c, in.env); }},
    {"alertmanager", [](Reading& in, const yaml::Node& n) { readAlertmanager(in.r, n, in.c); }},
    {"user", &readUser, true},
    {"validation", [](Reading& in, const yaml::Node& n) { readValidation(in.r, n, in.c); }},
};

}  // namespace

ConfigResult parseConfig(std::string_view yaml, const std::string& file, const ConfigEnv& env) {
  ConfigResult result;
  Config c = defaultConfig(env);
  c.source = file;
  YamlReader r(file, result.errors);
  Reading in{r, c, env, {}};
  auto doc = r.load(yaml);
  std::vector<std::string_view> keys;
  for (const Section& s : kSections) keys.push_back(s.key);
  if (doc && !doc->IsNull() && r.checkMap(*doc, "the configuration", keys)) {
    for (bool early : {true, false}) {
      for (const Section& s : kSections) {
        if (s.early != early) continue;
        if (auto n = r.get(*doc, s.key, s.key); n.IsDefined()) s.read(in, n);
      }
    }
  }
  if (c.control_socket_path.string().size() > kMaxSocketPath) {
    std::string msg = "control socket path " + c.control_socket_path.string() + " is longer than " +
                      std::to_string(kMaxSocketPath) + " bytes, the limit of a Unix socket address";
    if (in.socket_node.IsDefined())
      r.error(in.socket_node, msg);
    else
      result.errors.push_back({file, 1, 1, msg + "; set control_socket.path"});
  }
  if (result.errors.empty()) result.config = std::move(c);
  return result;
}

ConfigResult loadConfig(const std::filesystem::path& file, const ConfigEnv& env) {
  // Judged before a byte of it is parsed, by the descriptor it is read from.
  auto text = readTrustedFile(file, env.enforce_ownership);
  if (!text) return {std::nullopt, {{file.string(), 1, 1, text.error().message}}};
  return parseConfig(*text, file.string(), env);
}

}  // namespace novacron::agent
