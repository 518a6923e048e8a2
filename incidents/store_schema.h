#pragma once

#include <span>

namespace novacron::incidents {

/// The store's schema as migrations: migration N brings it from version N-1 to N.
std::span<const char* const> storeMigrations();

}  // namespace novacron::incidents
