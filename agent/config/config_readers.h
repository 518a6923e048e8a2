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

}  // namespace novacron::policy
