#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace novacron {

/// Why a file or directory that root will act on cannot be trusted, or nullopt if it can: it
/// must be owned by root and writable by nobody else, and so must every directory above it up
/// to / (a sticky directory such as /tmp excepted) — a playbook is a command that runs as root,
/// and whoever may rename a directory on the way may swap the file.
std::optional<std::string> untrustedReason(const std::filesystem::path& path);

/// Reads a file root will act on. With `enforce`, the file is opened first and judged by the
/// open descriptor (owner, mode) and then by every directory above it, so that the file checked
/// is the file read; an untrusted one is an error that says why.
Result<std::string> readTrustedFile(const std::filesystem::path& path, bool enforce);

}  // namespace novacron
