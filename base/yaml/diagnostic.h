#pragma once

#include <string>
#include <vector>

namespace novacron {

/// One problem in a configuration or playbook file, positioned for an editor: 1-based line and
/// column, printed as `FILE:LINE:COLUMN: message`.
struct Diagnostic {
  std::string file;
  int line = 1;
  int column = 1;
  std::string message;
  /// A warning does not stop a file from loading; it says what may go wrong.
  bool warning = false;

  std::string str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
           (warning ? "warning: " : "") + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace novacron
