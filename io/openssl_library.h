#pragma once

#include <string>

namespace novacron::io {

/// Whether OpenSSL (libssl and libcrypto) is loaded or can be: the agent does not link it, it
/// is loaded by the first call into it (see cmake/lazy_functions.cmake), so that an agent with
/// no https URL, no TLS listener and no evidence bundle never maps it. A feature that needs it
/// asks here first, to fail with this reason rather than abort in the first call.
bool available(std::string* error = nullptr);

}  // namespace novacron::io
