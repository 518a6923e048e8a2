// Whatever a Redis server (or something posing as one) answers: the protocol reader must neither
// crash nor allocate what the bytes claim, and the INFO text of a string reply goes through the
// field parser and the samples as the collector sends it. The first byte splits the input into
// two feeds, as a reply arrives in pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/redis/redis_samples.h"
#include "io/redis/recovery_commands.h"
#include "io/redis/resp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace novacron;
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = std::min<size_t>(data[0], in.size());
  io::RespReader reader(64 * 1024);
  reader.feed(in.substr(0, cut));
  reader.feed(in.substr(cut));
  std::optional<collectors::RedisCounters> previous;
  for (int i = 0; i < 64; ++i) {
    auto r = reader.next();
    if (!r || !*r) break;
    const io::RedisReply& reply = **r;
    if (reply.type == io::RedisReply::Type::kArray && reply.elements.size() > 65536) std::abort();
    auto info = collectors::parseRedisInfo(reply.str);
    if (info.size() > 4096) std::abort();
    for (const auto& s : collectors::redisSamples("fuzz", info, TimePoint{}, previous)) {
      for (const auto& l : s.labels)
        if (l.name != "instance" && l.name != "db") std::abort();
    }
  }
  (void)io::recoveryCommand(in);
  return 0;
}
