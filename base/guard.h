#pragma once

#include <cstdint>
#include <exception>
#include <string_view>

namespace novacron {

/// Exceptions caught at the edge of an event-loop handler since the agent started
/// (novacron_internal_errors_total). Each is a bug; none may stop the agent. Thread-safe.
uint64_t internalErrors();

/// Logs one such exception with where it was caught, and counts it.
void internalError(std::string_view where, std::string_view what);

/// Runs `f`. An exception it throws is logged, counted and goes no further: the handler that
/// called guarded() carries on with the next step. True if `f` returned normally.
template <class F>
bool guarded(std::string_view where, F&& f) noexcept {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    internalError(where, e.what());
  } catch (...) {
    internalError(where, "an exception that is not a std::exception");
  }
  return false;
}

}  // namespace novacron
