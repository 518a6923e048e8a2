#include "broker/protocol.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace novacron::broker {

namespace {

constexpr std::array<char, 2> kMagic = {'N', 'B'};
constexpr size_t kHeaderBytes = 12;      // magic, version, verb, field count (u16 each), id (u32)
constexpr size_t kFieldHeaderBytes = 6;  // tag (u16), length (u32)

enum class Kind { kText, kNumber, kList };

Kind kindOf(Tag t) {
  switch (t) {
    case Tag::kVersion:
    case Tag::kRun:
    case Tag::kOk:
    case Tag::kPid:
      return Kind::kNumber;
    case Tag::kValue:
    case Tag::kExpect:
      return Kind::kList;
    case Tag::kPlaybook:
    case Tag::kAction:
    case Tag::kIncident:
    case Tag::kType:
    case Tag::kError:
    case Tag::kMarker:
    case Tag::kState:
    case Tag::kInstance:
    case Tag::kPolicy:
    case Tag::kDescription:
      return Kind::kText;
  }
  return Kind::kText;
}

struct Rule {
  Tag tag;
  bool required;
};

struct Schema {
  Verb verb;
  std::string_view name;
  std::vector<Rule> rules;
};

// The whole protocol: a verb accepts these fields and no others.
const std::vector<Schema>& schemas() {
  static const std::vector<Schema> kSchemas = {
      {Verb::kHello, "hello", {{Tag::kVersion, true}, {Tag::kInstance, false}}},
      // Which action of which playbook, for which incident and run, with which placeholder
      // values, and what the agent expects it to do, which the broker compares with what its
      // own copy of the policy says.
      {Verb::kRunAction,
       "run_action",
       {{Tag::kPlaybook, true},
        {Tag::kAction, true},
        {Tag::kType, true},
        {Tag::kIncident, true},
        {Tag::kRun, true},
        {Tag::kValue, false},
        {Tag::kMarker, false},
        {Tag::kExpect, false}}},
      {Verb::kKillRun, "kill_run", {{Tag::kRun, true}}},
      {Verb::kListBlocked, "list_blocked", {}},
      {Verb::kHealth, "health", {}},
      {Verb::kReload, "reload", {}},
      {Verb::kOpenTasks, "open_tasks", {}},
      {Verb::kReply,
       "reply",
       {{Tag::kOk, true},
        {Tag::kError, false},
        {Tag::kVersion, false},
        {Tag::kPolicy, false},
        {Tag::kState, false},
        {Tag::kDescription, false},
        {Tag::kValue, false}}},
      {Verb::kRunEnded, "run_ended", {{Tag::kRun, true}, {Tag::kState, true}}},
      {Verb::kRunStarted, "run_started", {{Tag::kRun, true}, {Tag::kPid, true}}},
  };
  return kSchemas;
}

const Schema* schemaOf(uint16_t verb) {
  for (const auto& s : schemas()) {
    if (static_cast<uint16_t>(s.verb) == verb) return &s;
  }
  return nullptr;
}

const Rule* ruleOf(const Schema& s, uint16_t tag) {
  for (const auto& r : s.rules) {
    if (static_cast<uint16_t>(r.tag) == tag) return &r;
  }
  return nullptr;
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get(std::string_view b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

// Text and list items become argv elements, unit names and paths: C strings, so no NUL.
std::optional<std::string> fieldProblem(Tag tag, std::string_view bytes) {
  Kind k = kindOf(tag);
  if (k == Kind::kNumber) {
    if (bytes.size() != 8) return "is not a number of 8 bytes";
    return std::nullopt;
  }
  if (bytes.size() > kMaxFieldBytes)
    return "is longer than " + std::to_string(kMaxFieldBytes) + " bytes";
  if (bytes.find('\0') != std::string_view::npos) return "holds a NUL byte";
  if (tag == Tag::kValue && bytes.find('=') == std::string_view::npos) return "is not NAME=VALUE";
  if (tag == Tag::kExpect && bytes.find('=') == std::string_view::npos) return "is not FIELD=ITEM";
  return std::nullopt;
}

Error malformed(std::string why) {
  return makeError(ErrorCode::kMalformed, "broker message: " + std::move(why));
}

std::string tagText(uint16_t tag) {
  // Numbers no longer used stay empty: a peer of another protocol version is told which.
  static constexpr std::array<std::string_view, 22> kNames = {
      "",         "version", "playbook", "action",      "incident", "value",  "run",   "",
      "",         "",        "ok",       "error",       "",         "marker", "state", "pid",
      "instance", "",        "policy",   "description", "type",     "expect"};
  if (tag < kNames.size() && tag > 0 && !kNames[tag].empty()) return std::string(kNames[tag]);
  return "field " + std::to_string(tag);
}

// What both sides check: every field allowed by the verb, the required ones present.
Result<void> checkShape(const Schema& s, const Message& m) {
  for (const auto& r : s.rules) {
    bool present = m.text.count(r.tag) || m.number.count(r.tag) ||
                   (m.lists.count(r.tag) && !m.lists.at(r.tag).empty());
    if (r.required && !present)
      return malformed(std::string(s.name) + " needs " + tagText(static_cast<uint16_t>(r.tag)));
  }
  return {};
}

}  // namespace

std::optional<std::string_view> Message::get(Tag t) const {
  auto it = text.find(t);
  if (it == text.end()) return std::nullopt;
  return it->second;
}

std::optional<uint64_t> Message::num(Tag t) const {
  auto it = number.find(t);
  if (it == number.end()) return std::nullopt;
  return it->second;
}

const std::vector<std::string>& Message::list(Tag t) const {
  static const std::vector<std::string> kNone;
  auto it = lists.find(t);
  return it == lists.end() ? kNone : it->second;
}

std::string_view verbName(Verb v) {
  const Schema* s = schemaOf(static_cast<uint16_t>(v));
  return s ? s->name : "unknown";
}

Result<std::string> encode(const Message& m) {
  const Schema* s = schemaOf(static_cast<uint16_t>(m.verb));
  if (!s) return makeError(ErrorCode::kInvalidArgument, "broker message: unknown verb");
  std::vector<std::pair<Tag, std::string>> fields;
  auto add = [&](Tag t, std::string bytes) -> Result<void> {
    if (!ruleOf(*s, static_cast<uint16_t>(t)))
      return makeError(ErrorCode::kInvalidArgument, "broker message: " + std::string(s->name) +
                                                        " has no " +
                                                        tagText(static_cast<uint16_t>(t)));
    if (auto p = fieldProblem(t, bytes))
      return makeError(ErrorCode::kInvalidArgument,
                       "broker message: " + tagText(static_cast<uint16_t>(t)) + " " + *p);
    fields.emplace_back(t, std::move(bytes));
    return {};
  };
  for (const auto& [t, v] : m.text) {
    if (kindOf(t) != Kind::kText)
      return makeError(ErrorCode::kInvalidArgument,
                       "broker message: " + tagText(static_cast<uint16_t>(t)) + " is not text");
    if (auto r = add(t, v); !r) return r.error();
  }
  for (const auto& [t, v] : m.number) {
    if (kindOf(t) != Kind::kNumber)
      return makeError(ErrorCode::kInvalidArgument,
                       "broker message: " + tagText(static_cast<uint16_t>(t)) + " is not a number");
    std::string b;
    put64(b, v);
    if (auto r = add(t, std::move(b)); !r) return r.error();
  }
  for (const auto& [t, items] : m.lists) {
    if (kindOf(t) != Kind::kList)
      return makeError(ErrorCode::kInvalidArgument,
                       "broker message: " + tagText(static_cast<uint16_t>(t)) + " is not a list");
    if (items.size() > kMaxItems)
      return makeError(ErrorCode::kInvalidArgument,
                       "broker message: more than " + std::to_string(kMaxItems) + " items");
    for (const auto& item : items) {
      if (auto r = add(t, item); !r) return r.error();
    }
  }
  if (auto r = checkShape(*s, m); !r)
    return makeError(ErrorCode::kInvalidArgument, r.error().message);
  std::string out;
  out.append(kMagic.data(), kMagic.size());
  put16(out, kProtocolVersion);
  put16(out, static_cast<uint16_t>(m.verb));
  put16(out, static_cast<uint16_t>(fields.size()));
  put32(out, m.id);
  for (const auto& [t, b] : fields) {
    put16(out, static_cast<uint16_t>(t));
    put32(out, static_cast<uint32_t>(b.size()));
    out += b;
    if (out.size() > kMaxMessageBytes)
      return makeError(
          ErrorCode::kInvalidArgument,
          "broker message: larger than " + std::to_string(kMaxMessageBytes) + " bytes");
  }
  return out;
}

Result<Message> decode(std::string_view b) {
  if (b.size() > kMaxMessageBytes)
    return malformed("larger than " + std::to_string(kMaxMessageBytes) + " bytes");
  if (b.size() < kHeaderBytes) return malformed("shorter than its header");
  if (b[0] != kMagic[0] || b[1] != kMagic[1]) return malformed("not a broker message");
  if (auto v = get(b, 2, 2); v != kProtocolVersion)
    return malformed("protocol version " + std::to_string(v) + ", expected " +
                     std::to_string(kProtocolVersion));
  const Schema* s = schemaOf(static_cast<uint16_t>(get(b, 4, 2)));
  if (!s) return malformed("unknown verb " + std::to_string(get(b, 4, 2)));
  size_t count = get(b, 6, 2);
  Message m;
  m.verb = s->verb;
  m.id = static_cast<uint32_t>(get(b, 8, 4));
  size_t at = kHeaderBytes;
  for (size_t i = 0; i < count; ++i) {
    if (b.size() - at < kFieldHeaderBytes) return malformed("a field is cut short");
    auto tag = static_cast<uint16_t>(get(b, at, 2));
    uint64_t len = get(b, at + 2, 4);
    at += kFieldHeaderBytes;
    if (len > b.size() - at) return malformed(tagText(tag) + " is cut short");
    std::string_view bytes = b.substr(at, len);
    at += len;
    const Rule* r = ruleOf(*s, tag);
    if (!r) return malformed(std::string(s->name) + " has no " + tagText(tag));
    if (auto p = fieldProblem(r->tag, bytes)) return malformed(tagText(tag) + " " + *p);
    switch (kindOf(r->tag)) {
      case Kind::kNumber:
        if (!m.number.emplace(r->tag, get(bytes, 0, 8)).second)
          return malformed(tagText(tag) + " given twice");
        break;
      case Kind::kList: {
        auto& items = m.lists[r->tag];
        if (items.size() == kMaxItems)
          return malformed("more than " + std::to_string(kMaxItems) + " items");
        items.emplace_back(bytes);
        break;
      }
      case Kind::kText:
        if (!m.text.emplace(r->tag, std::string(bytes)).second)
          return malformed(tagText(tag) + " given twice");
        break;
    }
  }
  if (at != b.size()) return malformed("bytes after the last field");
  if (auto r = checkShape(*s, m); !r) return r.error();
  return m;
}

}  // namespace novacron::broker
