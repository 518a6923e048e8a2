// The collectors section of the configuration: each section read from its table of keys.
#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "agent/config/config_fields.h"
#include "base/yaml/yaml_reader.h"
#include "collectors/host/disk_space.h"
#include "collectors/plugin.h"
#include "io/url.h"
#include "policy/action_schema.h"

namespace novacron::agent {

namespace {

using namespace std::chrono_literals;

// collectors.host, .processes and .disk: the sweeps on the agent's own timers.
using Sources = collectors::SourceOptions;
constexpr Field<Sources> kHostFields[] = {
    {"interval", "duration", 100, 3600000, "1s",
     "the host sweep's interval: cpu, memory, load, pressure, disks, network; the policy is "
     "evaluated after each",
     &readValue<&Sources::host_interval>},
};
constexpr Field<Sources> kProcessFields[] = {
    {"interval", "duration", 1000, 3600000, "5s", "the process table's interval",
     &readValue<&Sources::processes_interval>},
    {"top", "integer", 0, 100, "5", "how many top processes by CPU and by RSS to report",
     &readValue<&Sources::processes, &collectors::ProcessOptions::top>},
};
constexpr Field<Sources> kDiskFields[] = {
    {"exclude_fstypes", "list", 0, 0,
     "pseudo filesystems: `proc`, `sysfs`, `cgroup`, `cgroup2`, `overlay`, `squashfs`, `devpts`, "
     "`devtmpfs`, `tracefs`, `debugfs`, …",
     "filesystem types not reported; a list here replaces the default list",
     &readValue<&Sources::host, &collectors::HostOptions::disk_exclude_fstypes>},
    {"statfs_timeout", "duration", 100, 60000, "2s",
     "a mount whose `statvfs` has not answered after this long is reported down",
     &readValue<&Sources::host, &collectors::HostOptions::disk_statfs_timeout>},
};
const MapSpec<Sources> kHostSpec = {"collectors.host", "", "", "", "", kHostFields, nullptr, false};
const MapSpec<Sources> kProcessSpec = {"collectors.processes", "",      "",   "", "",
                                       kProcessFields,         nullptr, false};
const MapSpec<Sources> kDiskSpec = {"collectors.disk", "", "", "", "", kDiskFields, nullptr, false};

void readSweep(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env,
               const MapSpec<Sources>& spec) {
  std::set<std::string> names;
  FieldContext ctx{r, env, c, std::string(spec.path), names};
  readMap(ctx, spec, n, c.sources);
}

// Every section of `collectors` that a table describes, in the reference's order: its key, how
// it is read and its rows.
struct Section {
  std::string_view key;
  void (*read)(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env);
  std::vector<ReferenceRow> (*reference)();
};
// A list (collectors.probes) into its member of the options.
template <auto Member, const auto* Spec>
void readListSection(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  c.sources.*Member = readList(r, env, c, *Spec, n);
}
// A sweep's map (collectors.host) into the options themselves.
template <const MapSpec<Sources>* Spec>
void readSweepSection(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env) {
  readSweep(r, n, c, env, *Spec);
}
template <const auto* Spec>
std::vector<ReferenceRow> rowsOf() {
  return referenceRows(*Spec);
}
const Section kSections[] = {
    {"host", &readSweepSection<&kHostSpec>, &rowsOf<&kHostSpec>},
    {"processes", &readSweepSection<&kProcessSpec>, &rowsOf<&kProcessSpec>},
    {"disk", &readSweepSection<&kDiskSpec>, &rowsOf<&kDiskSpec>},
    {"probes", &readListSection<&Sources::probes, &kProbeSpec>, &rowsOf<&kProbeSpec>},
    {"postgres", &readListSection<&Sources::postgres, &kPostgresSpec>, &rowsOf<&kPostgresSpec>},
    {"redis", &readListSection<&Sources::redis, &kRedisSpec>, &rowsOf<&kRedisSpec>},
    {"scrape", &readListSection<&Sources::scrape, &kScrapeSpec>, &rowsOf<&kScrapeSpec>},
};

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
  std::vector<std::string_view> keys = {"root", "record"};
  for (const Section& s : kSections) keys.push_back(s.key);
  for (const collectors::SourcePlugin* p : collectors::sourcePlugins()) keys.push_back(p->name);
  if (!r.checkMap(n, "collectors", keys)) return;
  // The root first: what the host's collectors read depends on it.
  if (auto root = r.get(n, "root", "collectors.root"); root.IsDefined()) {
    if (auto s = r.string(root, "collectors.root")) {
      c.sources.host.root = absoluteFrom(env.cwd, *s);
      c.sources.processes.root = c.sources.host.root;
    }
  }
  for (const Section& s : kSections) {
    const std::string path = "collectors." + std::string(s.key);
    if (auto v = r.get(n, s.key, path); v.IsDefined()) s.read(r, v, c, env);
  }
  for (const collectors::SourcePlugin* p : collectors::sourcePlugins()) {
    if (auto v = r.get(n, p->name, "collectors." + std::string(p->name)); v.IsDefined())
      readPlugin(r, v, *p, c);
  }
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
}

std::string sourcesReference() {
  std::string out = "| key | default | meaning | on `SIGHUP` |\n|---|---|---|---|\n";
  for (const Section& s : kSections) {
    for (const ReferenceRow& row : s.reference()) {
      std::string def = row.default_text == "none" || row.default_text == "required"
                            ? row.default_text
                        : row.default_text.find_first_of("` ") != std::string::npos
                            ? row.default_text
                            : "`" + row.default_text + "`";
      out += "| `" + row.key + "` | " + def + " | " + row.doc + " | applied |\n";
    }
  }
  // The plugins' rows, from their descriptors.
  std::string plugins = collectors::pluginReference();
  out += plugins.substr(plugins.find("|---|---|---|---|\n") + 18);
  return out;
}

}  // namespace novacron::agent
