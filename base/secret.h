#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace novacron::actions {

/// A token or password kept in a file: its content without the trailing newline. The value is
/// never logged, nor put in an error or an action result; errors name only the file.
Result<std::string> readSecret(const std::filesystem::path& file);

}  // namespace novacron::actions
