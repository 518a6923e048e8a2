#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "agent/config/config.h"
#include "base/yaml/yaml_reader.h"

// What the files of the configuration reader share. Internal to agent/config/.
namespace novacron::agent {

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

/// The `collectors` section, each of its sources read from its table of keys (config_fields.h).
void readCollectors(YamlReader& r, const yaml::Node& n, Config& c, const ConfigEnv& env);

/// A name that becomes a label value (a probe's, a scrape target's): 1 to 63 letters, digits,
/// '.', '_' or '-'.
bool plainName(const std::string& s);

/// A list entry's `name` (a scrape target's, a Redis instance's): a plainName, not used twice
/// in `names`. nullopt after an error.
std::optional<std::string> readEntryName(YamlReader& r, const yaml::Node& name,
                                         const std::string& where, std::set<std::string>& names,
                                         const char* what);

/// `validation`: the host's recovery criteria (`novacron validate`).
void readValidation(YamlReader& r, const yaml::Node& n, Config& c);

}  // namespace novacron::agent
