// The collectors section of the configuration: host collectors, probes and PostgreSQL instances.
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "agent/config/config_readers.h"
#include "base/yaml/yaml_reader.h"
#include "collectors/host/disk_space.h"
#include "collectors/plugin.h"
#include "io/url.h"
#include "policy/action_schema.h"

namespace novacron::agent {

namespace {

using namespace std::chrono_literals;

// collectors.probes: a list of named http, tcp and systemd probes.
void readProbes(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!n.IsSequence()) {
    r.error(n, "collectors.probes must be a list of probes");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < n.items().size(); ++i) {
    const yaml::Node& p = n.items()[i];
    std::string where = "collectors.probes[" + std::to_string(i) + "]";
    if (!r.checkMap(p, where,
                    {"name", "type", "url", "address", "unit", "expect_status", "timeout",
                     "interval", "window"}))
      continue;
    ProbeConfig probe;
    bool ok = true;
    auto need = [&](const char* key) -> std::optional<std::string> {
      auto v = r.get(p, key, where + "." + key);
      if (!v.IsDefined()) {
        r.error(p, where + " needs '" + key + "'");
        return std::nullopt;
      }
      return r.string(v, where + "." + key);
    };
    auto name = need("name");
    auto type = need("type");
    if (!name || !type) continue;
    if (!plainName(*name)) {
      r.error(r.get(p, "name", where),
              where + ".name '" + *name + "' must be letters, digits, '.', '_' or '-'");
      ok = false;
    } else if (!names.insert(*name).second) {
      r.error(r.get(p, "name", where), where + ": a second probe named '" + *name + "'");
      ok = false;
    }
    probe.name = *name;
    probe.type = *type;
    const std::map<std::string, const char*> kTargets = {
        {"http", "url"}, {"tcp", "address"}, {"systemd", "unit"}};
    auto t = kTargets.find(*type);
    if (t == kTargets.end()) {
      r.error(r.get(p, "type", where),
              where + ".type '" + *type + "' must be http, tcp or systemd");
      continue;
    }
    for (const auto& [other_type, key] : kTargets) {
      if (other_type != *type && r.get(p, key, where).IsDefined()) {
        r.error(r.get(p, key, where), where + ": a " + *type + " probe has no '" + key + "'");
        ok = false;
      }
    }
    auto target = need(t->second);
    if (!target) continue;
    const yaml::Node at = r.get(p, t->second, where);
    if (*type == "http") {
      if (auto u = io::parseUrl(*target); !u)
        r.error(at, where + ".url: " + u.error().message), ok = false;
    } else if (*type == "tcp") {
      size_t colon = target->rfind(':');
      int port = 0;
      if (colon != std::string::npos) {
        auto [e, ec] =
            std::from_chars(target->data() + colon + 1, target->data() + target->size(), port);
        if (ec != std::errc() || e != target->data() + target->size()) port = 0;
      }
      if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
        r.error(at, where + ".address '" + *target + "' must be HOST:PORT");
        ok = false;
      }
    } else if (!policy::isUnitName(*target)) {
      r.error(at, where + ".unit '" + *target + "' is not a systemd unit name");
      ok = false;
    }
    probe.target = *target;
    if (auto v = r.get(p, "expect_status", where + ".expect_status"); v.IsDefined()) {
      if (*type != "http") {
        r.error(v, where + ": only http probes take expect_status");
        ok = false;
      } else if (auto st = r.integer(v, where + ".expect_status", 100, 599)) {
        probe.expect_status = static_cast<int>(*st);
      } else {
        ok = false;
      }
    }
    if (auto v = r.get(p, "timeout", where + ".timeout"); v.IsDefined()) {
      if (auto d = r.duration(v, where + ".timeout", 10ms, 1min))
        probe.timeout = *d;
      else
        ok = false;
    }
    if (auto v = r.get(p, "interval", where + ".interval"); v.IsDefined()) {
      if (auto d = r.duration(v, where + ".interval", 1s, 1h))
        probe.interval = *d;
      else
        ok = false;
    }
    if (auto v = r.get(p, "window", where + ".window"); v.IsDefined()) {
      if (auto d = r.duration(v, where + ".window", 10s, 1h))
        probe.window = *d;
      else
        ok = false;
    }
    if (!r.get(p, "timeout", where).IsDefined())
      probe.timeout = std::min(probe.timeout, probe.interval);
    if (probe.timeout > probe.interval) {
      r.error(p, where + ": the timeout must not exceed the interval");
      ok = false;
    }
    if (ok) c.sources.probes.push_back(std::move(probe));
  }
}

// collectors.postgres: a list of instances.
void readPostgres(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  if (!n.IsSequence()) {
    r.error(n, "collectors.postgres must be a list of instances");
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < n.items().size(); ++i) {
    const yaml::Node& p = n.items()[i];
    std::string where = "collectors.postgres[" + std::to_string(i) + "]";
    if (!r.checkMap(p, where,
                    {"name", "dsn_file", "server_user", "interval", "timeout",
                     "long_query_threshold", "queries"}))
      continue;
    PostgresConfig pg;
    bool ok = true;
    auto name = r.get(p, "name", where + ".name");
    auto dsn = r.get(p, "dsn_file", where + ".dsn_file");
    if (!name.IsDefined() || !dsn.IsDefined()) {
      r.error(p, where + " needs a name and a dsn_file");
      continue;
    }
    if (auto s = r.string(name, where + ".name")) {
      if (s->empty() || !names.insert(*s).second) {
        r.error(name, where + ".name '" + *s + "' is empty or used twice");
        ok = false;
      }
      pg.name = *s;
    } else {
      ok = false;
    }
    if (auto file = readSecretPath(r, dsn, where + ".dsn_file", env, c.user))
      pg.dsn_file = *file;
    else
      ok = false;
    if (auto u = r.get(p, "server_user", where + ".server_user"); u.IsDefined()) {
      if (auto s = r.string(u, where + ".server_user"); s && plainName(*s)) {
        pg.server_user = *s;
      } else {
        if (s)
          r.error(u, where + ".server_user '" + *s + "' must be letters, digits, '.', '_' or '-'");
        ok = false;
      }
    }
    auto dur = [&](const char* key, milliseconds min, milliseconds max, milliseconds& out) {
      ok = readDurationKey(r, p, key, where, min, max, out) && ok;
    };
    dur("interval", 1s, 1h, pg.interval);
    dur("timeout", 100ms, 1min, pg.timeout);
    dur("long_query_threshold", 1s, 7 * 24h, pg.long_query_threshold);
    if (pg.timeout > pg.interval) {
      r.error(p, where + ": the timeout must not exceed the interval");
      ok = false;
    }
    if (auto q = r.get(p, "queries", where + ".queries"); q.IsDefined()) {
      if (!q.IsSequence()) {
        r.error(q, where + ".queries must be a list of {name, sql, interval}");
        ok = false;
      } else {
        for (size_t j = 0; j < q.items().size(); ++j) {
          const yaml::Node& qn = q.items()[j];
          std::string qw = where + ".queries[" + std::to_string(j) + "]";
          if (!r.checkMap(qn, qw, {"name", "sql", "interval"})) {
            ok = false;
            continue;
          }
          PgQueryConfig qc;
          auto qname = r.get(qn, "name", qw + ".name");
          auto sql = r.get(qn, "sql", qw + ".sql");
          if (!qname.IsDefined() || !sql.IsDefined()) {
            r.error(qn, qw + " needs a name and sql");
            ok = false;
            continue;
          }
          auto qs = r.string(qname, qw + ".name");
          auto ss = r.string(sql, qw + ".sql");
          if (!qs || !ss) {
            ok = false;
            continue;
          }
          qc.name = *qs;
          qc.sql = *ss;
          if (auto v = r.get(qn, "interval", qw + ".interval"); v.IsDefined()) {
            if (auto d = r.duration(v, qw + ".interval", 1s, 24h))
              qc.interval = *d;
            else
              ok = false;
          }
          pg.queries.push_back(std::move(qc));
        }
      }
    }
    if (ok) c.sources.postgres.push_back(std::move(pg));
  }
}

}  // namespace

bool plainName(const std::string& s) {
  return !s.empty() && s.size() <= 63 && std::all_of(s.begin(), s.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
}

std::optional<std::string> readEntryName(YamlReader& r, const yaml::Node& name,
                                         const std::string& where, std::set<std::string>& names,
                                         const char* what) {
  auto s = r.string(name, where + ".name");
  if (!s) return std::nullopt;
  if (!plainName(*s)) {
    r.error(name, where + ".name '" + *s + "' must be letters, digits, '.', '_' or '-'");
    return std::nullopt;
  }
  if (!names.insert(*s).second) {
    r.error(name, where + ": a second " + what + " named '" + *s + "'");
    return std::nullopt;
  }
  return s;
}

bool readIntervalTimeout(YamlReader& r, const yaml::Node& map, const std::string& where,
                         milliseconds& interval, milliseconds& timeout) {
  bool ok = readDurationKey(r, map, "interval", where, 1s, 1h, interval);
  timeout = std::min<milliseconds>(timeout, interval);
  ok = readDurationKey(r, map, "timeout", where, 100ms, 1min, timeout) && ok;
  if (timeout > interval) {
    r.error(map, where + ": the timeout must not exceed the interval");
    ok = false;
  }
  return ok;
}

bool readDurationKey(YamlReader& r, const yaml::Node& map, const char* key,
                     const std::string& where, milliseconds min, milliseconds max,
                     milliseconds& out) {
  auto v = r.get(map, key, where + "." + key);
  if (!v.IsDefined()) return true;
  auto d = r.duration(v, where + "." + key, min, max);
  if (d) out = *d;
  return d.has_value();
}

namespace {

// A plugin's map, by the options its descriptor declares (collectors/plugin.h): every key
// checked against the list, every value parsed by its type and bounds, the rest at defaults.
// `enabled: false` keeps the map in the file and the plugin off.
void readPlugin(YamlReader& r, const yaml::Node& n, const collectors::SourcePlugin& plugin,
                Config& c) {
  const std::string where = "collectors." + std::string(plugin.name);
  collectors::PluginSettings settings = collectors::defaultSettings(plugin);
  std::vector<std::string_view> keys = {"enabled"};
  for (const auto& o : plugin.options) keys.push_back(o.key);
  if (!r.checkMap(n, where, keys)) return;
  bool enabled = true;
  if (auto v = r.get(n, "enabled", where + ".enabled"); v.IsDefined()) {
    if (auto b = r.boolean(v, where + ".enabled")) enabled = *b;
  }
  bool ok = true;
  for (const auto& o : plugin.options) {
    auto v = r.get(n, o.key, where + "." + std::string(o.key));
    if (!v.IsDefined()) continue;
    if (!v.IsScalar()) {
      r.error(v, where + "." + std::string(o.key) + " must be a single value");
      ok = false;
      continue;
    }
    auto parsed = collectors::parseOption(o, v.Scalar());
    if (auto* why = std::get_if<std::string>(&parsed)) {
      r.error(v, where + "." + *why);
      ok = false;
    } else {
      settings.values[std::string(o.key)] = std::get<collectors::OptionValue>(parsed);
    }
  }
  if (ok && enabled) c.sources.plugins[std::string(plugin.name)] = std::move(settings);
}

}  // namespace

void readCollectors(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  std::vector<std::string_view> keys = {"root",   "host",     "processes", "disk",  "record",
                                        "probes", "postgres", "redis",     "scrape"};
  for (const collectors::SourcePlugin* p : collectors::sourcePlugins()) keys.push_back(p->name);
  if (!r.checkMap(n, "collectors", keys)) return;
  for (const collectors::SourcePlugin* p : collectors::sourcePlugins()) {
    if (auto v = r.get(n, p->name, "collectors." + std::string(p->name)); v.IsDefined())
      readPlugin(r, v, *p, c);
  }
  if (auto s = r.get(n, "scrape", "collectors.scrape"); s.IsDefined()) readScrape(r, s, c);
  if (auto pg = r.get(n, "postgres", "collectors.postgres"); pg.IsDefined())
    readPostgres(r, pg, c, env);
  if (auto rd = r.get(n, "redis", "collectors.redis"); rd.IsDefined()) readRedis(r, rd, c, env);
  if (auto probes = r.get(n, "probes", "collectors.probes"); probes.IsDefined())
    readProbes(r, probes, c);
  if (auto rec = r.get(n, "record", "collectors.record"); rec.IsDefined()) {
    // A path, or {path, max_size} with a size in MiB: the file is rotated once to FILE.1.
    if (rec.IsScalar()) {
      c.record_path = absoluteFrom(env.cwd, rec.Scalar());
    } else if (r.checkMap(rec, "collectors.record", {"path", "max_size_mib"})) {
      if (auto p = r.get(rec, "path", "collectors.record.path"); p.IsDefined()) {
        if (auto s = r.string(p, "collectors.record.path"))
          c.record_path = absoluteFrom(env.cwd, *s);
      } else {
        r.error(rec, "collectors.record needs a path");
      }
      if (auto m = r.get(rec, "max_size_mib", "collectors.record.max_size_mib"); m.IsDefined()) {
        if (auto v = r.integer(m, "collectors.record.max_size_mib", 1, 1 << 20)) {
          c.record_max_bytes = static_cast<uint64_t>(*v) << 20;
        }
      }
    }
  }
  if (auto root = r.get(n, "root", "collectors.root"); root.IsDefined()) {
    if (auto s = r.string(root, "collectors.root")) {
      c.sources.host.root = absoluteFrom(env.cwd, *s);
      c.sources.processes.root = c.sources.host.root;
    }
  }
  if (auto host = r.get(n, "host", "collectors.host"); host.IsDefined()) {
    if (r.checkMap(host, "collectors.host", {"interval"})) {
      if (auto v = r.get(host, "interval", "collectors.host.interval"); v.IsDefined()) {
        if (auto d = r.duration(v, "collectors.host.interval", 100ms, 1h))
          c.sources.host_interval = *d;
      }
    }
  }
  if (auto procs = r.get(n, "processes", "collectors.processes"); procs.IsDefined()) {
    if (r.checkMap(procs, "collectors.processes", {"interval", "top"})) {
      if (auto v = r.get(procs, "interval", "collectors.processes.interval"); v.IsDefined()) {
        if (auto d = r.duration(v, "collectors.processes.interval", 1s, 1h)) {
          c.sources.processes_interval = *d;
        }
      }
      if (auto v = r.get(procs, "top", "collectors.processes.top"); v.IsDefined()) {
        if (auto t = r.integer(v, "collectors.processes.top", 0, 100)) {
          c.sources.processes.top = static_cast<size_t>(*t);
        }
      }
    }
  }
  if (auto disk = r.get(n, "disk", "collectors.disk"); disk.IsDefined()) {
    if (r.checkMap(disk, "collectors.disk", {"exclude_fstypes", "statfs_timeout"})) {
      if (auto v = r.get(disk, "exclude_fstypes", "collectors.disk.exclude_fstypes");
          v.IsDefined()) {
        if (auto list = r.stringList(v, "collectors.disk.exclude_fstypes")) {
          c.sources.host.disk_exclude_fstypes = {list->begin(), list->end()};
        }
      }
      if (auto v = r.get(disk, "statfs_timeout", "collectors.disk.statfs_timeout"); v.IsDefined()) {
        if (auto d = r.duration(v, "collectors.disk.statfs_timeout", 100ms, 1min)) {
          c.sources.host.disk_statfs_timeout = *d;
        }
      }
    }
  }
}

}  // namespace novacron::agent
