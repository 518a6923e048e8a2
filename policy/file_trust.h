#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace novacron::policy {

/// Why a file or directory that root will act on cannot be trusted, or nullopt if it can: it
/// must be owned by root and writable by nobody else, and so must the directory holding it —
/// a playbook is a command that runs as root.
std::optional<std::string> untrustedReason(const std::filesystem::path& path);

}  // namespace novacron::policy
