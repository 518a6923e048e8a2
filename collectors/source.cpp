#include "collectors/source.h"

#include <nlohmann/json.hpp>

namespace novacron::collectors {

nlohmann::json Source::describe() const { return nullptr; }

}  // namespace novacron::collectors
