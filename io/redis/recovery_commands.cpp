#include "io/redis/recovery_commands.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/text.h"

namespace novacron::io {

namespace {

constexpr std::array<std::string_view, 8> kPolicies = {
    "noeviction",   "allkeys-lru",  "allkeys-lfu",     "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

const char* recoveryCommandHelp() {
  return "FLUSHDB ASYNC, FLUSHALL ASYNC, MEMORY PURGE, CLIENT KILL TYPE normal|pubsub, "
         "CONFIG SET maxmemory-policy POLICY";
}

Result<std::vector<std::string>> recoveryCommand(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size() && words.size() <= 4) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) words.push_back(lower(text.substr(start, i - start)));
  }
  auto is = [&](std::initializer_list<std::string_view> want) {
    return words.size() == want.size() && std::equal(want.begin(), want.end(), words.begin());
  };
  if (is({"flushdb", "async"})) return std::vector<std::string>{"FLUSHDB", "ASYNC"};
  if (is({"flushall", "async"})) return std::vector<std::string>{"FLUSHALL", "ASYNC"};
  if (is({"memory", "purge"})) return std::vector<std::string>{"MEMORY", "PURGE"};
  for (const char* type : {"normal", "pubsub"}) {
    if (is({"client", "kill", "type", type}))
      return std::vector<std::string>{"CLIENT", "KILL", "TYPE", type, "SKIPME", "yes"};
  }
  if (words.size() == 4 && is({"config", "set", "maxmemory-policy", words[3]}) &&
      std::find(kPolicies.begin(), kPolicies.end(), words[3]) != kPolicies.end())
    return std::vector<std::string>{"CONFIG", "SET", "maxmemory-policy", words[3]};
  return makeError(ErrorCode::kInvalidArgument,
                   "'" + escapeControl(quoteForMessage(text, 80)) +
                       "' is not a recovery command an action may send (allowed: " +
                       recoveryCommandHelp() + ")");
}

}  // namespace novacron::io
