#include "policy/action_schema.h"

#include <algorithm>
#include <cctype>

namespace novacron::policy {
const ActionSchema* findActionSchema(ActionCatalog catalog, std::string_view type) {
  for (const auto& t : catalog) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

bool isUnitName(std::string_view unit) {
  if (unit.empty() || unit.size() > 255 || unit.front() == '-' || unit.front() == '.') return false;
  size_t dot = unit.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == unit.size()) return false;
  return std::all_of(unit.begin(), unit.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view(":-_.\\@").find(c) != std::string_view::npos;
  });
}

}  // namespace novacron::policy
