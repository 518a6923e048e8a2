// The configuration loader: YAML, every section's reader and checks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  novacron::agent::ConfigEnv env;
  env.hostname = "fuzz";
  env.cwd = "/nonexistent-fuzz-cwd";
  auto r = novacron::agent::parseConfig(text, "fuzz.yaml", env);
  // A configuration or errors, never both and never neither.
  if (r.config.has_value() == !r.errors.empty()) __builtin_trap();
  for (const auto& e : r.errors) (void)e.str();
  return 0;
}
