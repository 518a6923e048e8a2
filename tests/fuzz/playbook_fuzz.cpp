// The playbook loader: YAML, the playbook's fields, conditions bound to the metric catalog,
// action parameters and their templates.
#include <cstddef>
#include <cstdint>
#include <string>

#include "actions/registry.h"
#include "agent/catalog.h"
#include "policy/playbook_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  novacron::Diagnostics errors, warnings;
  auto list = novacron::policy::parsePlaybooks(
      {"fuzz.yaml", text, false}, [](std::string_view n) { return novacron::agent::findMetric(n); },
      novacron::actions::actionCatalog(), errors, &warnings);
  for (const auto& p : list) {
    for (const auto& a : p.actions) (void)a.with.size();
  }
  return 0;
}
