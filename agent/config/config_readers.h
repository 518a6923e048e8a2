#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "agent/config/config.h"
#include "base/yaml/yaml_reader.h"

// What the files of the configuration reader share. Internal to agent/config/.
namespace novacron::policy {

/// `p` made absolute against the directory the agent started in.
std::filesystem::path absoluteFrom(const std::filesystem::path& cwd, const std::string& p);

/// An absolute path (relative ones against env.cwd).
std::optional<std::filesystem::path> readPath(YamlReader& r, const yaml::Node& n,
                                              const std::string& what, const ConfigEnv& env);

/// A file holding a password or token: absolute, readable, never open to others or writable by
/// its group; when root starts the agent, also readable by `user`, the user it drops to (empty:
/// the file is read before the drop).
std::optional<std::filesystem::path> readSecretPath(YamlReader& r, const yaml::Node& n,
                                                    const std::string& what, const ConfigEnv& env,
                                                    const std::string& user);

/// The `collectors` section: the host's, the probes and the PostgreSQL instances.
void readCollectors(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env);

/// A name that becomes a label value (a probe's, a scrape target's): 1 to 63 letters, digits,
/// '.', '_' or '-'.
bool plainName(const std::string& s);

/// `map.key`, if present, as a duration within [min, max] into `out`; false after an error.
bool readDurationKey(YamlReader& r, const yaml::Node& map, const char* key,
                     const std::string& where, milliseconds min, milliseconds max,
                     milliseconds& out);

/// `collectors.scrape`: the local Prometheus endpoints.
void readScrape(YamlReader& r, const yaml::Node& n, Config& c);

}  // namespace novacron::policy
