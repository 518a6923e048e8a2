// Substitution of placeholder values into templates (argv, headers, JSON and form bodies), and
// the text functions every value from outside goes through.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "policy/substitute.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron;
  FuzzedDataProvider in(data, size);
  std::string templ = in.ConsumeRandomLengthString(256);
  std::map<std::string, std::string> values = {{"incident.id", "n-1"},
                                               {"labels.mount", in.ConsumeRandomLengthString(128)},
                                               {"labels.user", in.ConsumeRandomLengthString(64)}};
  for (auto escape :
       {policy::Escape::kNone, policy::Escape::kJsonString, policy::Escape::kFormValue}) {
    auto r = policy::substitute(templ, values, escape);
    // Escaped values are text: the result is as valid as the template's own text.
    if (r && escape != policy::Escape::kNone && isValidUtf8(templ) && !isValidUtf8(*r))
      __builtin_trap();
  }
  // A JSON template stays a JSON document whatever the values hold: no value adds structure.
  std::map<std::string, std::string> empty;
  for (const auto& [k, v] : values) empty[k] = "";
  auto shape = policy::substitute(templ, empty, policy::Escape::kJsonString);
  auto filled = policy::substitute(templ, values, policy::Escape::kJsonString);
  if (shape && filled && nlohmann::json::accept(*shape)) {
    auto a = nlohmann::json::parse(*shape, nullptr, false);
    auto b = nlohmann::json::parse(*filled, nullptr, false);
    if (b.is_discarded() || a.type() != b.type() || a.size() != b.size()) __builtin_trap();
  }
  std::vector<std::string> argv = {"/bin/prog", templ, in.ConsumeRandomLengthString(32)};
  if (auto a = policy::substituteArgv(argv, values)) {
    // What it promised: no argument that a value turned into an option.
    for (size_t i = 1; i < a->size(); ++i) {
      if (argv[i] == "--") break;
      if (argv[i].starts_with("{") && !argv[i].starts_with("{{") && (*a)[i].starts_with("-"))
        __builtin_trap();
    }
  }
  (void)policy::optionLikeArguments(argv);
  (void)policy::placeholders(templ);
  (void)policy::looksLikeJson(templ);
  std::string rest = in.ConsumeRandomLengthString(4096);
  if (!isValidUtf8(validUtf8(rest))) __builtin_trap();
  size_t n = rest.size() / 2;
  std::string cut = truncateUtf8(rest, n);
  if (!isValidUtf8(cut)) __builtin_trap();
  // Valid text is only ever cut, at a character boundary; invalid text may grow by replacement.
  if (isValidUtf8(rest) && (cut.size() > n || rest.compare(0, cut.size(), cut) != 0))
    __builtin_trap();
  if (escapeControl(rest).find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
