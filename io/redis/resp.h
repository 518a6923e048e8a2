#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct redisReader;

namespace novacron::io {

/// One reply of the Redis protocol (RESP2).
struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };
  Type type = Type::kNil;
  std::string str;  ///< kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  ///< kArray
};

/// `argv` as a RESP command (an array of bulk strings): arguments are length-prefixed, so no
/// byte of an argument can start another command.
std::string formatRedisCommand(const std::vector<std::string>& argv);

/// hiredis's protocol reader, bounded: a reply may hold at most `max_reply_bytes` of input and
/// arrays at most 65,536 elements (hiredis bounds nesting at 7). Replies are built as RedisReply
/// trees by the reader's own object functions, so hostile sizes never reach an allocation.
class RespReader {
 public:
  explicit RespReader(size_t max_reply_bytes = 256 * 1024);
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  /// Adds bytes read from the server.
  void feed(std::string_view bytes);
  /// The next complete reply, nullopt while one is incomplete, or why the stream is unusable
  /// (a protocol error, a reply over the limit). After an error the reader stays failed.
  Result<std::optional<RedisReply>> next();

 private:
  redisReader* reader_;
  size_t max_;
  size_t pending_ = 0;  // bytes fed since the last complete reply
  std::optional<Error> failed_;
};

}  // namespace novacron::io
