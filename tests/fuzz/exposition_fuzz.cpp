// Whatever a local application's /metrics serves: the text formats' parser must neither crash
// nor read past the input, and every sample it passes on must be well formed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/text.h"
#include "metrics/exposition_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron::metrics;
  static ExpositionParser parser(ExpositionLimits{4096, 8, 256, 64});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Both formats, as a Content-Type chooses them.
  for (auto format : {ExpositionFormat::kText, ExpositionFormat::kOpenMetrics}) {
    auto stats = parser.parse(
        text,
        [](const ParsedSample& s) {
          if (s.name.empty() || s.family.empty() || s.labels.size() > 8) std::abort();
          for (const auto& [k, v] : s.labels)
            if (k.empty() || v.size() > 256 || !novacron::isValidUtf8(v)) std::abort();
          return true;
        },
        format);
    for (char c : stats.first_error)
      if (c < 0x20 || c >= 0x7f) std::abort();
  }
  return 0;
}
