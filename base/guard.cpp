#include "base/guard.h"

#include <atomic>
#include <string>

#include "base/log.h"

namespace novacron {
namespace {
std::atomic<uint64_t> g_internal_errors{0};
}  // namespace

uint64_t internalErrors() { return g_internal_errors.load(std::memory_order_relaxed); }

void internalError(std::string_view where, std::string_view what) {
  g_internal_errors.fetch_add(1, std::memory_order_relaxed);
  logError("internal error in " + std::string(where) + ": " + std::string(what) +
           "; the agent carries on");
}

}  // namespace novacron
