#pragma once
// A map of the configuration read from one table of its keys, each declared once: its name, how
// it is read into the entry it configures, its default and bounds as the reference shows them,
// and one line of documentation. The reader checks the map's keys against the table and reads
// each key present; `novacron-agent --list-sources` and the README's reference are printed from
// the same tables. Internal to agent/config/.
#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "agent/config/config_readers.h"
#include "io/url.h"

namespace novacron::agent {

/// What a field's reader has at hand.
struct FieldContext {
  YamlReader& r;
  const ConfigEnv& env;
  const Config& config;             ///< so far: the user the agent drops to, for secret files
  std::string where;                ///< the map's path: "collectors.scrape[2]"
  std::set<std::string>& names;     ///< the list's names taken so far
  std::string_view noun = "entry";  ///< what the list holds: "a second target named …"
  std::string at(std::string_view key) const { return where + "." + std::string(key); }
};

template <class T>
struct Field {
  std::string_view key;
  std::string_view type;          ///< for the reference: "duration", "integer", "list", …
  int64_t min = 0, max = 0;       ///< bounds: integers, durations in milliseconds (0, 0: none)
  std::string_view default_text;  ///< as written in YAML; empty: required, or none
  std::string_view doc;
  /// Reads `value` into `entry`; false after an error (reported).
  bool (*read)(FieldContext& c, const Field& f, const yaml::Node& value, T& entry);
  bool required = false;
};

/// A list of maps under one key (collectors.scrape), or one map (list = false).
template <class T>
struct MapSpec {
  std::string_view path;     ///< "collectors.scrape"
  std::string_view summary;  ///< one line for the reference
  std::string_view shape;    ///< "{name, url, ...}": what the list holds, for its error
  std::string_view needs;    ///< "a name and a url": the error when a required key is missing
  std::string_view noun;     ///< "target": what one entry is
  std::span<const Field<T>> fields;
  /// Checks across keys (timeout against interval, one of two keys); false after an error.
  bool (*check)(FieldContext& c, const yaml::Node& map, T& entry) = nullptr;
  bool list = true;
};

/// A field's type that is read after the map's own keys and checks.
inline constexpr std::string_view kListOfMaps = "list of maps";

/// The value of `key` in `map` (a null one included), or null.
inline const yaml::Node* valueOf(const yaml::Node& map, std::string_view key) {
  for (const auto& [k, v] : map.entries()) {
    if (k.Scalar() == key) return &v;
  }
  return nullptr;
}
inline bool hasKey(const yaml::Node& map, std::string_view key) {
  return valueOf(map, key) != nullptr;
}

// --- readers for the common kinds, bound to a member -------------------------------------------
// A reader is bound to a path of members from the entry: `&ProbeConfig::timeout`, or
// `&SourceOptions::processes, &ProcessOptions::top` for one a level down.

template <class>
struct MemberOf;
template <class C, class V>
struct MemberOf<V C::*> {
  using Class = C;
};
template <auto M, auto...>
struct PathStart {
  using Class = typename MemberOf<decltype(M)>::Class;
};
template <auto... Path>
using ClassOf = typename PathStart<Path...>::Class;

template <auto... Path, class T>
auto& memberAt(T& entry) {
  return (entry.*....*Path);
}

/// A value read by its member's type: a duration or an integer within the field's bounds, a
/// boolean, a string, a set of strings (from a list).
template <auto... Path>
bool readValue(FieldContext& c, const Field<ClassOf<Path...>>& f, const yaml::Node& v,
               ClassOf<Path...>& e) {
  auto& out = memberAt<Path...>(e);
  using V = std::remove_reference_t<decltype(out)>;
  if constexpr (std::is_same_v<V, milliseconds>) {
    auto d = c.r.duration(v, c.at(f.key), milliseconds(f.min), milliseconds(f.max));
    if (d) out = *d;
    return d.has_value();
  } else if constexpr (std::is_same_v<V, bool>) {
    auto b = c.r.boolean(v, c.at(f.key));
    if (b) out = *b;
    return b.has_value();
  } else if constexpr (std::is_integral_v<V>) {
    auto k = c.r.integer(v, c.at(f.key), f.min, f.max);
    if (k) out = static_cast<V>(*k);
    return k.has_value();
  } else if constexpr (std::is_same_v<V, std::string>) {
    auto s = c.r.string(v, c.at(f.key));
    if (s) out = *s;
    return s.has_value();
  } else {  // a container of strings, from a list
    auto list = c.r.stringList(v, c.at(f.key));
    if (list) out = V(list->begin(), list->end());
    return list.has_value();
  }
}

/// A user name as the system spells it (plainName) into `out`.
inline bool readUserName(FieldContext& c, std::string_view key, const yaml::Node& v,
                         std::string& out) {
  auto s = c.r.string(v, c.at(key));
  if (s && plainName(*s)) {
    out = *s;
    return true;
  }
  if (s) c.r.error(v, c.at(key) + " '" + *s + "' must be letters, digits, '.', '_' or '-'");
  return false;
}

template <auto... Path>
bool readUserField(FieldContext& c, const Field<ClassOf<Path...>>& f, const yaml::Node& v,
                   ClassOf<Path...>& e) {
  return readUserName(c, f.key, v, memberAt<Path...>(e));
}

/// An http:// or https:// URL (io::parseUrl).
template <auto M>
bool readUrlField(FieldContext& c, const Field<ClassOf<M>>& f, const yaml::Node& v, ClassOf<M>& e) {
  auto s = c.r.string(v, c.at(f.key));
  if (!s) return false;
  e.*M = *s;
  if (auto u = io::parseUrl(*s); !u) {
    c.r.error(v, c.at(f.key) + ": " + u.error().message);
    return false;
  }
  return true;
}

/// A file holding a secret (readSecretPath).
template <auto... Path>
bool readSecretField(FieldContext& c, const Field<ClassOf<Path...>>& f, const yaml::Node& v,
                     ClassOf<Path...>& e) {
  auto file = readSecretPath(c.r, v, c.at(f.key), c.env, c.config.user);
  if (file) memberAt<Path...>(e) = *file;
  return file.has_value();
}

/// `timeout` no longer than `interval`; a timeout left out is the default, capped at the interval.
template <class T>
bool checkTimeoutWithinInterval(FieldContext& c, const yaml::Node& map, T& e) {
  if (!hasKey(map, "timeout")) e.timeout = std::min(e.timeout, e.interval);
  if (e.timeout <= e.interval) return true;
  c.r.error(map, c.where + ": the timeout must not exceed the interval");
  return false;
}

/// A name that becomes a label value (plainName), not used twice in the list.
template <auto... Path>
bool readNameField(FieldContext& c, const Field<ClassOf<Path...>>&, const yaml::Node& v,
                   ClassOf<Path...>& e) {
  auto s = readEntryName(c.r, v, c.where, c.names, std::string(c.noun).c_str());
  if (s) memberAt<Path...>(e) = *s;
  return s.has_value();
}

/// Reads one map by its table into `entry`; false when it is not a well-formed map (the errors
/// are reported) or a key failed.
template <class T>
bool readMap(FieldContext& c, const MapSpec<T>& spec, const yaml::Node& map, T& entry) {
  std::vector<std::string_view> keys;
  for (const auto& f : spec.fields) keys.push_back(f.key);
  if (!c.r.checkMap(map, c.where, keys)) return false;
  for (const auto& f : spec.fields) {
    if (f.required && !hasKey(map, f.key)) {
      c.r.error(
          map, c.where + " needs " +
                   (spec.needs.empty() ? "'" + std::string(f.key) + "'" : std::string(spec.needs)));
      return false;
    }
  }
  // The map's own keys, then the checks across them, then the lists of maps it holds: its own
  // problems are told before its children's.
  bool ok = true;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& f : spec.fields) {
      if ((f.type == kListOfMaps) != (pass == 1)) continue;
      auto v = c.r.get(map, f.key, c.at(f.key));
      if (v.IsDefined()) ok = f.read(c, f, v, entry) && ok;
    }
    if (pass == 0 && spec.check) ok = spec.check(c, map, entry) && ok;
  }
  return ok;
}

/// Reads a list of maps by its table: the entries that read without an error.
template <class T>
std::vector<T> readList(YamlReader& r, const ConfigEnv& env, const Config& config,
                        const MapSpec<T>& spec, const yaml::Node& list) {
  std::vector<T> out;
  const std::string path(spec.path);
  if (!list.IsSequence()) {
    r.error(list, path + " must be a list of " + std::string(spec.shape));
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.items().size(); ++i) {
    FieldContext c{r, env, config, path + "[" + std::to_string(i) + "]", names, spec.noun};
    T entry;
    if (readMap(c, spec, list.items()[i], entry)) out.push_back(std::move(entry));
  }
  return out;
}

/// The reference rows of one table (Markdown, the README's configuration reference).
struct ReferenceRow {
  std::string key, default_text, doc;
};
template <class T>
std::vector<ReferenceRow> referenceRows(const MapSpec<T>& spec) {
  std::vector<ReferenceRow> rows;
  const std::string prefix = std::string(spec.path) + (spec.list ? "[]." : ".");
  if (spec.list) rows.push_back({std::string(spec.path), "none", std::string(spec.summary)});
  for (const auto& f : spec.fields) {
    std::string doc(f.doc);
    if (f.type == "duration" && f.max)
      doc += " (" + formatDuration(milliseconds(f.min)) + "–" +
             formatDuration(milliseconds(f.max)) + ")";
    else if (f.type == "integer" && f.max)
      doc += " (" + std::to_string(f.min) + "–" + std::to_string(f.max) + ")";
    rows.push_back({prefix + std::string(f.key),
                    f.required               ? "required"
                    : f.default_text.empty() ? "none"
                                             : std::string(f.default_text),
                    doc});
  }
  return rows;
}

/// The tables of the lists of `collectors` (config_probes.cpp, config_postgres.cpp, …).
extern const MapSpec<collectors::ProbeConfig> kProbeSpec;
extern const MapSpec<collectors::PostgresConfig> kPostgresSpec;
extern const MapSpec<collectors::RedisConfig> kRedisSpec;
extern const MapSpec<collectors::ScrapeConfig> kScrapeSpec;

}  // namespace novacron::agent
