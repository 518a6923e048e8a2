#include "coordinator/push_decoder.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <ctime>

#include "base/json_text.h"

namespace novacron::coordinator {

using json = nlohmann::json;

namespace {

constexpr std::string_view kCategories[] = {"infrastructure", "application", "database",
                                            "network",        "security",    "data"};
constexpr std::string_view kStates[] = {"open",      "mitigating", "awaiting_approval",
                                        "verifying", "resolved",   "escalated"};

bool oneOf(std::string_view v, std::span<const std::string_view> list) {
  for (auto x : list) {
    if (x == v) return true;
  }
  return false;
}

bool labelName(std::string_view n) {
  if (n.empty() || n.size() > 128) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool lowerHex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// PostgreSQL's jsonb holds no NUL character: each becomes U+FFFD, in keys and values.
void withoutNul(json& j) {
  auto fix = [](std::string s) {
    for (size_t at = s.find('\0'); at != std::string::npos; at = s.find('\0', at + 3))
      s.replace(at, 1, "\xEF\xBF\xBD");
    return s;
  };
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (s.find('\0') != std::string::npos) s = fix(s);
  } else if (j.is_array()) {
    for (auto& v : j) withoutNul(v);
  } else if (j.is_object()) {
    bool keys = false;
    for (auto& [k, v] : j.items()) {
      withoutNul(v);
      keys = keys || k.find('\0') != std::string::npos;
    }
    if (keys) {
      json out = json::object();
      for (auto& [k, v] : j.items()) out[fix(k)] = std::move(v);
      j = std::move(out);
    }
  }
}

struct Checker {
  std::optional<PushError> error;
  bool fail(const std::string& where, const std::string& what) {
    if (!error) error = PushError{"invalid", where + ": " + what};
    return false;
  }
  const json* member(const json& o, const char* key, const std::string& where, bool required) {
    auto it = o.find(key);
    if (it == o.end()) {
      if (required) fail(where + "/" + key, "missing");
      return nullptr;
    }
    return &*it;
  }
  std::optional<std::string> string(const json& o, const char* key, const std::string& where,
                                    size_t max, bool required = true) {
    const json* v = member(o, key, where, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) return fail(where + "/" + key, "not a string"), std::nullopt;
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() > max)
      return fail(where + "/" + key, "longer than " + std::to_string(max) + " bytes"), std::nullopt;
    return s;
  }
  std::optional<int64_t> integer(const json& o, const char* key, const std::string& where,
                                 int64_t min, int64_t max) {
    const json* v = member(o, key, where, true);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) return fail(where + "/" + key, "not an integer"), std::nullopt;
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max))
      return fail(where + "/" + key, "out of range"), std::nullopt;
    int64_t i = v->get<int64_t>();
    if (i < min || i > max) return fail(where + "/" + key, "out of range"), std::nullopt;
    return i;
  }
  std::optional<std::map<std::string, std::string>> labels(const json& o, const char* key,
                                                           const std::string& where, size_t max) {
    const json* v = member(o, key, where, true);
    if (!v) return std::nullopt;
    std::string at = where + "/" + key;
    if (!v->is_object()) return fail(at, "not an object"), std::nullopt;
    if (v->size() > max)
      return fail(at, "more than " + std::to_string(max) + " labels"), std::nullopt;
    std::map<std::string, std::string> out;
    for (const auto& [k, val] : v->items()) {
      if (!labelName(k))
        return fail(at, "a label name is not [a-zA-Z_][a-zA-Z0-9_]*"), std::nullopt;
      if (!val.is_string() || val.get_ref<const std::string&>().size() > 1024)
        return fail(at + "/" + k, "not a string of at most 1024 bytes"), std::nullopt;
      out[k] = val.get<std::string>();
    }
    return out;
  }
};

// An incident record (contract/incident.schema.json), as JSON text.
std::optional<std::string> incidentRecord(Checker& c, const std::string& id, const json& r,
                                          const std::string& where, size_t max_labels) {
  if (!r.is_object()) return c.fail(where, "not an object"), std::nullopt;
  auto rid = c.string(r, "id", where, 200);
  if (!rid) return std::nullopt;
  if (*rid != id) return c.fail(where + "/id", "is not the key it is listed under"), std::nullopt;
  auto playbook = c.string(r, "playbook", where, 200);
  auto category = c.string(r, "category", where, 32);
  auto state = c.string(r, "state", where, 32);
  auto severity = c.integer(r, "severity", where, 1, 4);
  auto labels = c.labels(r, "labels", where, max_labels);
  if (!playbook || playbook->empty() || !category || !state || !severity || !labels) {
    if (playbook && playbook->empty()) c.fail(where + "/playbook", "empty");
    return std::nullopt;
  }
  if (!oneOf(*category, kCategories)) return c.fail(where + "/category", "unknown"), std::nullopt;
  if (!oneOf(*state, kStates)) return c.fail(where + "/state", "unknown"), std::nullopt;
  const json* dry = c.member(r, "dry_run", where, true);
  if (!dry) return std::nullopt;
  if (!dry->is_boolean()) return c.fail(where + "/dry_run", "not a boolean"), std::nullopt;
  json out = {{"id", id},        {"playbook", *playbook}, {"category", *category},
              {"state", *state}, {"severity", *severity}, {"labels", *labels},
              {"dry_run", *dry}};
  const json* by = c.member(r, "triggered_by", where, false);
  if (by && !by->is_null() && !(by->is_string() && by->get_ref<const std::string&>().size() <= 200))
    return c.fail(where + "/triggered_by", "not a string or null"), std::nullopt;
  out["triggered_by"] = by ? *by : json(nullptr);
  for (const char* t : {"opened_at", "acknowledged_at", "resolved_at"}) {
    const json* v = c.member(r, t, where, std::string_view(t) == "opened_at");
    if (std::string_view(t) == "opened_at" && !v) return std::nullopt;
    if (v && !v->is_null()) {
      if (!v->is_number()) return c.fail(where + "/" + t, "not a number"), std::nullopt;
      double s = v->get<double>();
      if (!(s >= 946684800.0 && s < 7258118400.0))
        return c.fail(where + "/" + t, "not a time between 2000 and 2199"), std::nullopt;
    }
    out[t] = v ? *v : json(nullptr);
  }
  withoutNul(out);
  return jsonText(out);
}

}  // namespace

bool validNodeId(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<int64_t> parseTimestampMs(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z, nothing else.
  if (t.size() != 20 && t.size() != 24) return std::nullopt;
  auto num = [&](size_t at, size_t n, int& out) {
    auto [p, ec] = std::from_chars(t.data() + at, t.data() + at + n, out);
    return ec == std::errc() && p == t.data() + at + n && t[at] != '+' && t[at] != '-';
  };
  int y, mo, d, h, mi, s, ms = 0;
  if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t.back() != 'Z')
    return std::nullopt;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) ||
      !num(17, 2, s))
    return std::nullopt;
  if (t.size() == 24 && (t[19] != '.' || !num(20, 3, ms))) return std::nullopt;
  if (y < 2000 || y > 2199 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] + (mo == 2 && leap)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(::timegm(&tm)) * 1000 + ms;
}

std::variant<PushBatch, PushError> decodePush(std::string_view body, const DecodeLimits& limits) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return PushError{"malformed", "the body is not JSON (RFC 8259, UTF-8)"};
  if (!j.is_object()) return PushError{"invalid", "/: not an object"};
  Checker c;
  auto version = c.string(j, "schema_version", "", 16);
  if (!version) return *c.error;
  {
    int major = -1, minor = -1;
    const size_t dot = version->find('.');
    if (dot == std::string::npos) return PushError{"invalid", "/schema_version: not MAJOR.MINOR"};
    const char* begin = version->data();
    const char* end = begin + version->size();
    auto a = std::from_chars(begin, begin + dot, major);
    auto b = std::from_chars(begin + dot + 1, end, minor);
    if (a.ec != std::errc() || b.ec != std::errc() || a.ptr != begin + dot || b.ptr != end ||
        major < 0 || minor < 0)
      return PushError{"invalid", "/schema_version: not MAJOR.MINOR"};
    if (major != kSchemaMajor)
      return PushError{"schema_version",
                       "schema_version " + *version + ": this coordinator reads " +
                           std::to_string(kSchemaMajor) + ".x (contract/push.schema.json)"};
  }
  PushBatch b;
  auto node = c.string(j, "node", "", 63);
  auto store = c.string(j, "store", "", 16);
  auto labels = c.labels(j, "labels", "", limits.max_labels);
  auto version_text = c.string(j, "agent_version", "", 64);
  if (!node || !store || !labels || !version_text) return *c.error;
  if (!validNodeId(*node)) return PushError{"invalid", "/node: not 1-63 of [A-Za-z0-9._-]"};
  if (!lowerHex(*store, 16)) return PushError{"invalid", "/store: not 16 lower-case hex digits"};
  b.node = *node;
  b.store = *store;
  b.labels = std::move(*labels);
  b.agent_version = *version_text;

  const json* agent = c.member(j, "agent", "", true);
  if (!agent) return *c.error;
  if (!agent->is_object()) return PushError{"invalid", "/agent: not an object"};
  auto depth = c.integer(*agent, "outbox_depth", "/agent", 0, INT64_MAX);
  auto digest = c.string(*agent, "policy_digest", "/agent", 71);
  auto playbooks = c.integer(*agent, "playbooks", "/agent", 0, 1000000);
  const json* paused = c.member(*agent, "paused", "/agent", true);
  if (!depth || !digest || !playbooks || !paused) return *c.error;
  if (!paused->is_boolean()) return PushError{"invalid", "/agent/paused: not a boolean"};
  if (!digest->empty() && !(digest->starts_with("sha256:") && lowerHex(digest->substr(7), 64)))
    return PushError{"invalid", "/agent/policy_digest: not sha256:HEX"};
  b.outbox_depth = *depth;
  b.policy_digest = *digest;
  b.playbooks = *playbooks;
  b.paused = paused->get<bool>();

  const json* events = c.member(j, "events", "", true);
  if (!events) return *c.error;
  if (!events->is_array()) return PushError{"invalid", "/events: not an array"};
  if (events->size() > limits.max_events)
    return PushError{"invalid", "/events: " + std::to_string(events->size()) +
                                    " events; this coordinator takes at most " +
                                    std::to_string(limits.max_events) + " a batch"};
  const std::string prefix = b.node + ":" + b.store + ":";
  int64_t last = 0;
  b.events.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    const json& e = (*events)[i];
    std::string where = "/events/" + std::to_string(i);
    if (!e.is_object()) return PushError{"invalid", where + ": not an object"};
    auto key = c.string(e, "key", where, 100);
    auto seq = c.integer(e, "seq", where, 1, INT64_MAX);
    auto incident = c.string(e, "incident", where, 200);
    auto at = c.string(e, "at", where, 32);
    auto kind = c.string(e, "kind", where, 64);
    const json* data = c.member(e, "data", where, true);
    if (!key || !seq || !incident || !at || !kind || !data) return *c.error;
    if (*key != prefix + std::to_string(*seq))
      return PushError{"invalid", where +
                                      "/key: not NODE:STORE:SEQ of this body's node, store "
                                      "and the event's seq"};
    if (*seq <= last) return PushError{"invalid", where + "/seq: not increasing"};
    last = *seq;
    if (incident->empty()) return PushError{"invalid", where + "/incident: empty"};
    auto ms = parseTimestampMs(*at);
    if (!ms)
      return PushError{"invalid",
                       where + "/at: not YYYY-MM-DDTHH:MM:SS.mmmZ between 2000 and 2199"};
    if (kind->empty() ||
        kind->find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
      return PushError{"invalid", where + "/kind: not [a-z_]+"};
    if (!data->is_object()) return PushError{"invalid", where + "/data: not an object"};
    json d = *data;
    withoutNul(d);
    std::string text = jsonText(d);
    if (text.size() > limits.max_data_bytes)
      return PushError{"invalid",
                       where + "/data: over " + std::to_string(limits.max_data_bytes) + " bytes"};
    std::string inc = *incident;
    if (inc.find('\0') != std::string::npos)
      return PushError{"invalid", where + "/incident: holds NUL"};
    b.events.push_back({*seq, std::move(inc), *ms, *kind, std::move(text)});
  }
  const json* incidents = c.member(j, "incidents", "", true);
  if (!incidents) return *c.error;
  if (!incidents->is_object()) return PushError{"invalid", "/incidents: not an object"};
  if (incidents->size() > std::max<size_t>(b.events.size(), 1))
    return PushError{"invalid", "/incidents: more records than events"};
  for (const auto& [id, rec] : incidents->items()) {
    auto text = incidentRecord(c, id, rec, "/incidents/" + id, limits.max_labels);
    if (!text) return *c.error;
    if (id.find('\0') != std::string::npos)
      return PushError{"invalid", "/incidents: an id holds NUL"};
    b.incidents.push_back(std::move(*text));
  }
  return b;
}

std::string PushBatch::eventsJson() const {
  std::string out = "[";
  out.reserve(events.size() * 200);
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (i) out += ',';
    out += "{\"seq\":" + std::to_string(e.seq) + ",\"incident\":" + jsonText(e.incident) +
           ",\"at_ms\":" + std::to_string(e.at_ms) + ",\"kind\":" + jsonText(e.kind) +
           ",\"data\":" + e.data + "}";
  }
  return out + "]";
}

std::string PushBatch::incidentsJson() const {
  std::string out = "[";
  for (size_t i = 0; i < incidents.size(); ++i) out += (i ? "," : "") + incidents[i];
  return out + "]";
}

}  // namespace novacron::coordinator
