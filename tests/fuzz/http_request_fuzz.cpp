// The HTTP request path: Beast's parser with the server's limits, then the /v1 routes with a
// token, as the coordinator (or anyone) may send them. No store behind the API: every route that
// needs one answers unavailable, which is a path too.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "agent/api/http_api.h"
#include "base/clock.h"
#include "io/gzip.h"
#include "io/http_server.h"

namespace {

novacron::agent::BearerToken& token() {
  static novacron::agent::BearerToken t = [] {
    auto file = std::filesystem::temp_directory_path() / "novacron-fuzz.token";
    std::ofstream(file) << "fuzz-token\n";
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return novacron::agent::BearerToken(file);
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = novacron::io::parseHttpRequest(bytes);
  if (!r) return 0;
  // /metrics reads Accept-Encoding; a yes must hold the word.
  if (auto ae = r->headers.find("accept-encoding"); ae != r->headers.end()) {
    if (novacron::io::acceptsGzip(ae->second) &&
        ae->second.find_first_of("gG*") == std::string::npos)
      __builtin_trap();
  }
  if (!r->path.starts_with("/v1/")) return 0;
  static novacron::MonotonicWallClock clock;
  static const std::string node = "fuzz", store_error = "no store while fuzzing";
  // /v1/validate's query is parsed and checked before the callback, which answers as an agent
  // without a policy would.
  novacron::agent::ApiContext c{token(),
                                {nullptr, nullptr, clock, node, store_error},
                                [] {
                                  return nlohmann::json{{"node_id", "fuzz"}};
                                },
                                [](const std::optional<std::string>&) {
                                  return novacron::incidents::CommandReply::error(
                                      "unavailable", "no policy while fuzzing");
                                }};
  auto res = novacron::agent::handleApi(*r, c);
  if (res.status < 200 || res.status > 599) __builtin_trap();
  return 0;
}
