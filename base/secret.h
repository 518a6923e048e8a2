#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace novacron {

/// A token or password kept in a file: its content without the trailing newline. The value is
/// never logged, nor put in an error or an action result; errors name only the file.
Result<std::string> readSecret(const std::filesystem::path& file);

/// What is wrong with a secret file's mode, or nullopt: others may not read or write it, its
/// group may not write it. The agent's user reads it as its owner (0600) or through its group
/// (0640 root:novacron, the packaged layout).
std::optional<std::string> secretModeProblem(const struct stat& st);

/// Why `user` cannot read a secret file (its owner may, or its group with 0640), with the
/// commands that fix it; nullopt if it can or `user` is empty or unknown. Root checks this for
/// the user the agent drops to.
std::optional<std::string> secretReaderProblem(const struct stat& st, const std::string& user,
                                               const std::string& path);

}  // namespace novacron
