#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace novacron::collectors {

/// The fields of an INFO reply (`key:value` lines under `# Section` headers), by key. Bounded:
/// at most 4,096 fields; a key over 64 bytes or a value over 4 KiB is skipped.
using RedisInfo = std::map<std::string, std::string, std::less<>>;
RedisInfo parseRedisInfo(std::string_view text);

/// A field as a number, if it is one.
std::optional<double> infoNumber(const RedisInfo& info, std::string_view key);

/// The `a=1,b=2` parts of a field such as `db0:keys=10,expires=2,avg_ttl=0`: the numeric ones.
std::map<std::string, double, std::less<>> infoSubfields(std::string_view value);

/// Redis's version "7.0.15" as one number, 70015 (major·10000 + minor·100 + patch).
std::optional<double> redisVersionNumber(std::string_view version);

}  // namespace novacron::collectors
