#include "coordinator/config.h"

#include "coordinator/push_decoder.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/yaml/yaml_reader.h"
#include "io/url.h"

namespace novacron::coordinator {

using namespace std::chrono_literals;

namespace {

std::string hostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || !*buf) return "coordinator";
  return buf;
}

void readPath(YamlReader& r, const yaml::Node& map, std::string_view key, const std::string& what,
              std::optional<std::filesystem::path>& out) {
  if (auto v = r.get(map, key, what); v.IsDefined()) {
    if (auto s = r.string(v, what)) out = *s;
  }
}

void readPoll(YamlReader& r, const yaml::Node& p, Config& c) {
  if (!r.checkMap(p, "poll", {"interval", "lease", "concurrency", "timeout", "nodes"})) return;
  if (auto v = r.get(p, "interval", "poll.interval"); v.IsDefined()) {
    if (auto t = r.duration(v, "poll.interval", 1s, 1h)) c.poll_interval = *t;
  }
  if (auto v = r.get(p, "lease", "poll.lease"); v.IsDefined()) {
    if (auto t = r.duration(v, "poll.lease", 2s, 1h)) c.poll_lease = *t;
  }
  if (auto v = r.get(p, "concurrency", "poll.concurrency"); v.IsDefined()) {
    if (auto i = r.integer(v, "poll.concurrency", 1, 4096))
      c.poll_concurrency = static_cast<size_t>(*i);
  }
  if (auto v = r.get(p, "timeout", "poll.timeout"); v.IsDefined()) {
    if (auto t = r.duration(v, "poll.timeout", 100ms, 5min)) c.poll_timeout = *t;
  }
  if (c.poll_timeout >= c.poll_lease)
    r.error(
        p,
        "poll.timeout must be shorter than poll.lease: a poll outliving its lease could run twice");
  auto nodes = r.get(p, "nodes", "poll.nodes");
  if (!nodes.IsDefined()) return;
  if (!nodes.IsSequence()) {
    r.error(nodes, "poll.nodes: a list of {node, url, token_file[, ca_file]}");
    return;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes.items()[i];
    std::string w = "poll.nodes[" + std::to_string(i) + "]";
    if (!r.checkMap(n, w, {"node", "url", "token_file", "ca_file"})) continue;
    PollTarget t;
    auto node = r.get(n, "node", w + ".node");
    auto url = r.get(n, "url", w + ".url");
    auto token = r.get(n, "token_file", w + ".token_file");
    if (!node.IsDefined() || !url.IsDefined() || !token.IsDefined()) {
      r.error(n, w + ": node, url and token_file are required");
      continue;
    }
    if (auto s = r.string(node, w + ".node")) t.node = *s;
    if (auto s = r.string(url, w + ".url")) {
      if (auto u = io::parseUrl(*s); !u) r.error(url, w + ".url: " + u.error().message);
      t.url = *s;
      while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
    }
    if (auto s = r.string(token, w + ".token_file")) t.token_file = *s;
    if (auto v = r.get(n, "ca_file", w + ".ca_file"); v.IsDefined()) {
      if (auto s = r.string(v, w + ".ca_file")) t.ca_file = *s;
    }
    if (!validNodeId(t.node)) {
      r.error(node, w + ".node: 1-63 of A-Z a-z 0-9 . _ -");
      continue;
    }
    for (const auto& other : c.poll_targets) {
      if (other.node == t.node) r.error(node, w + ".node: " + t.node + " is listed twice");
    }
    c.poll_targets.push_back(std::move(t));
  }
}

}  // namespace

std::variant<Config, Diagnostics> parseConfig(std::string_view text, const std::string& file) {
  Diagnostics diags;
  YamlReader r(file, diags);
  Config c;
  c.id = hostName();
  auto root = r.load(text);
  if (!root) return diags;
  if (root->IsNull() || !root->IsDefined()) return c;
  if (!r.checkMap(*root, "the configuration",
                  {"id", "listen", "allow_plain_http", "tls", "database", "ingest", "fleet",
                   "alertmanager", "poll", "retention", "max_connections"}))
    return diags;
  if (auto v = r.get(*root, "id", "id"); v.IsDefined()) {
    if (auto s = r.string(v, "id")) {
      if (s->empty() || s->size() > 63)
        r.error(v, "id: 1 to 63 characters");
      else
        c.id = *s;
    }
  }
  if (auto v = r.get(*root, "listen", "listen"); v.IsDefined()) {
    if (auto s = r.string(v, "listen")) {
      std::string why;
      if (auto ep = io::parseEndpoint(*s, why))
        c.listen = *ep;
      else
        r.error(v, "listen: " + why);
    }
  }
  if (auto v = r.get(*root, "allow_plain_http", "allow_plain_http"); v.IsDefined()) {
    if (auto b = r.boolean(v, "allow_plain_http")) c.allow_plain_http = *b;
  }
  if (auto t = r.get(*root, "tls", "tls"); t.IsDefined()) {
    if (r.checkMap(t, "tls", {"cert", "key", "client_ca"})) {
      readPath(r, t, "cert", "tls.cert", c.tls_cert);
      readPath(r, t, "key", "tls.key", c.tls_key);
      readPath(r, t, "client_ca", "tls.client_ca", c.tls_client_ca);
      if (c.tls_cert.has_value() != c.tls_key.has_value())
        r.error(t, "tls needs both cert and key");
      if (c.tls_client_ca && !c.tls_cert) r.error(t, "tls.client_ca needs tls.cert and tls.key");
    }
  }
  if (auto d = r.get(*root, "database", "database"); d.IsDefined()) {
    if (r.checkMap(d, "database", {"dsn_file", "pool", "max_waiting", "timeout"})) {
      std::optional<std::filesystem::path> dsn;
      readPath(r, d, "dsn_file", "database.dsn_file", dsn);
      if (dsn) c.dsn_file = *dsn;
      if (auto v = r.get(d, "pool", "database.pool"); v.IsDefined()) {
        if (auto i = r.integer(v, "database.pool", 1, 256)) c.pool_size = static_cast<size_t>(*i);
      }
      if (auto v = r.get(d, "max_waiting", "database.max_waiting"); v.IsDefined()) {
        if (auto i = r.integer(v, "database.max_waiting", 0, 100000))
          c.pool_max_waiting = static_cast<size_t>(*i);
      }
      if (auto v = r.get(d, "timeout", "database.timeout"); v.IsDefined()) {
        if (auto t = r.duration(v, "database.timeout", 100ms, 5min)) c.db_timeout = *t;
      }
    }
  }
  if (auto in = r.get(*root, "ingest", "ingest"); in.IsDefined()) {
    if (r.checkMap(in, "ingest", {"max_body_bytes", "max_events"})) {
      if (auto v = r.get(in, "max_body_bytes", "ingest.max_body_bytes"); v.IsDefined()) {
        if (auto i = r.integer(v, "ingest.max_body_bytes", 4096, 256 << 20))
          c.max_body_bytes = static_cast<size_t>(*i);
      }
      if (auto v = r.get(in, "max_events", "ingest.max_events"); v.IsDefined()) {
        if (auto i = r.integer(v, "ingest.max_events", 1, 100000))
          c.max_events = static_cast<size_t>(*i);
      }
    }
  }
  if (auto f = r.get(*root, "fleet", "fleet"); f.IsDefined()) {
    if (r.checkMap(f, "fleet", {"silent_after"})) {
      if (auto v = r.get(f, "silent_after", "fleet.silent_after"); v.IsDefined()) {
        if (auto t = r.duration(v, "fleet.silent_after", 10s, 24h)) c.silent_after = *t;
      }
    }
  }
  if (auto a = r.get(*root, "alertmanager", "alertmanager"); a.IsDefined()) {
    if (r.checkMap(a, "alertmanager", {"url", "resend_interval"})) {
      if (auto v = r.get(a, "url", "alertmanager.url"); v.IsDefined()) {
        if (auto u = r.string(v, "alertmanager.url")) {
          if (auto parsed = io::parseUrl(*u); !parsed)
            r.error(v, "alertmanager.url: " + parsed.error().message);
          else
            c.alertmanager_url = *u;
        }
      }
      if (auto v = r.get(a, "resend_interval", "alertmanager.resend_interval"); v.IsDefined()) {
        if (auto t = r.duration(v, "alertmanager.resend_interval", 1s, 1h))
          c.alertmanager_resend = *t;
      }
    }
  }
  if (auto p = r.get(*root, "poll", "poll"); p.IsDefined()) readPoll(r, p, c);
  if (auto v = r.get(*root, "retention", "retention"); v.IsDefined()) {
    if (auto t = r.duration(v, "retention", 24h * 31, 24h * 3660)) c.retention = *t;
  }
  if (auto v = r.get(*root, "max_connections", "max_connections"); v.IsDefined()) {
    if (auto i = r.integer(v, "max_connections", 16, 1000000))
      c.max_connections = static_cast<size_t>(*i);
  }
  if (!diags.empty()) return diags;
  return c;
}

std::variant<Config, Diagnostics> loadConfig(const std::filesystem::path& file, bool must_exist) {
  std::ifstream in(file);
  if (!in) {
    if (!must_exist) return parseConfig("", file.string());
    return Diagnostics{{file.string(), 1, 1, "cannot read the configuration"}};
  }
  std::stringstream s;
  s << in.rdbuf();
  return parseConfig(s.str(), file.string());
}

std::optional<std::string> servingProblem(const Config& c) {
  if (c.tls_cert || c.allow_plain_http) return std::nullopt;
  if (c.listen.loopback()) return std::nullopt;
  return "listen " + c.listen.str() +
         " is not a loopback address: plain HTTP would carry the agents' tokens in the clear; "
         "configure tls.cert and tls.key, or allow_plain_http: true behind a proxy that "
         "terminates TLS";
}

}  // namespace novacron::coordinator
