#include "io/redis/resp.h"

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <memory>
#include <new>

namespace novacron::io {

namespace {

constexpr int kMaxElements = 65536;

// Children are appended to their parent's vector: hiredis finishes a nested array before it
// starts the next sibling, so only the last element of a vector is ever being filled.
RedisReply* place(const redisReadTask* task, RedisReply value) {
  if (task->parent == nullptr) return new (std::nothrow) RedisReply(std::move(value));
  auto* parent = static_cast<RedisReply*>(task->parent->obj);
  parent->elements.push_back(std::move(value));
  return &parent->elements.back();
}

void* createString(const redisReadTask* task, char* str, size_t len) {
  RedisReply r;
  r.type = task->type == REDIS_REPLY_ERROR    ? RedisReply::Type::kError
           : task->type == REDIS_REPLY_STATUS ? RedisReply::Type::kStatus
                                              : RedisReply::Type::kString;
  r.str.assign(str, len);
  return place(task, std::move(r));
}

void* createArray(const redisReadTask* task, int elements) {
  if (elements < 0 || elements > kMaxElements) return nullptr;  // the reader reports an error
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  return place(task, std::move(r));
}

void* createInteger(const redisReadTask* task, long long value) {
  RedisReply r;
  r.type = RedisReply::Type::kInteger;
  r.integer = value;
  return place(task, std::move(r));
}

void* createNil(const redisReadTask* task) { return place(task, RedisReply{}); }

// hiredis frees only the root it was handed (r->reply); children belong to it.
void freeObject(void* obj) { delete static_cast<RedisReply*>(obj); }

redisReplyObjectFunctions kFunctions = {createString, createArray, createInteger, createNil,
                                        freeObject};

}  // namespace

std::string formatRedisCommand(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

RespReader::RespReader(size_t max_reply_bytes)
    : reader_(redisReaderCreateWithFunctions(&kFunctions)), max_(max_reply_bytes) {
  if (!reader_) std::abort();  // out of memory at construction
}

RespReader::~RespReader() { redisReaderFree(reader_); }

void RespReader::feed(std::string_view bytes) {
  if (failed_ || bytes.empty()) return;
  pending_ += bytes.size();
  if (pending_ > max_) {
    failed_ =
        Error{ErrorCode::kMalformed, "a reply larger than " + std::to_string(max_ / 1024) + " KiB"};
    return;
  }
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK)
    failed_ = Error{ErrorCode::kMalformed, "the reader refused input"};
}

Result<std::optional<RedisReply>> RespReader::next() {
  if (failed_) return *failed_;
  void* reply = nullptr;
  if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
    failed_ =
        Error{ErrorCode::kMalformed, std::string("not the Redis protocol: ") + reader_->errstr};
    return *failed_;
  }
  if (!reply) return std::optional<RedisReply>();
  std::unique_ptr<RedisReply> owned(static_cast<RedisReply*>(reply));
  // What is left in the reader belongs to the next reply.
  pending_ = reader_->len - reader_->pos;
  return std::optional<RedisReply>(std::move(*owned));
}

}  // namespace novacron::io
