#include "base/yaml/yaml_reader.h"

#include <charconv>
#include <set>

namespace novacron {
namespace {

std::string kindName(const yaml::Node& n) {
  switch (n.kind()) {
    case yaml::Kind::kMap:
      return "a map";
    case yaml::Kind::kSequence:
      return "a list";
    case yaml::Kind::kNull:
      return "nothing";
    case yaml::Kind::kScalar:
      return "'" + n.Scalar() + "'";
    default:
      return "an undefined value";
  }
}

}  // namespace

std::optional<yaml::Node> YamlReader::load(std::string_view text) {
  auto parsed = yaml::parse(text);
  if (auto* e = std::get_if<yaml::ParseError>(&parsed)) {
    error(e->mark, "YAML syntax: " + e->message);
    return std::nullopt;
  }
  return std::get<yaml::Node>(std::move(parsed));
}

void YamlReader::error(const yaml::Mark& at, std::string message) {
  // libyaml marks are 0-based.
  out_.push_back({file_, std::max(at.line, 0) + 1, std::max(at.column, 0) + 1, std::move(message)});
}

void YamlReader::warn(const yaml::Node& at, std::string message) {
  if (!warnings_) return;
  const yaml::Mark& m = at.mark();
  warnings_->push_back(
      {file_, std::max(m.line, 0) + 1, std::max(m.column, 0) + 1, std::move(message), true});
}

bool YamlReader::checkMap(const yaml::Node& node, std::string_view what,
                          std::span<const std::string_view> allowed) {
  if (!node.IsMap()) {
    error(node, std::string(what) + " must be a map, not " + kindName(node));
    return false;
  }
  std::set<std::string> seen;
  for (const auto& kv : node.entries()) {
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      error(kv.first, "duplicate key '" + key + "' in " + std::string(what));
      continue;
    }
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(kv.first, "unknown key '" + key + "' in " + std::string(what) +
                          " (expected one of: " + list + ")");
    }
  }
  return true;
}

yaml::Mark YamlReader::keyMark(const yaml::Node& map, std::string_view key) const {
  for (const auto& kv : map.entries()) {
    if (kv.first.Scalar() == key) return kv.first.mark();
  }
  return map.mark();
}

yaml::Node YamlReader::get(const yaml::Node& map, std::string_view key, std::string_view what) {
  if (!map.IsMap()) return yaml::Node();
  for (const auto& kv : map.entries()) {
    if (kv.first.Scalar() != key) continue;
    if (kv.second.IsNull()) {
      error(kv.first, std::string(what) + " has no value");
      return yaml::Node();
    }
    return kv.second;
  }
  return yaml::Node();
}

std::optional<std::string> YamlReader::string(const yaml::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a string, not " + kindName(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> YamlReader::boolean(const yaml::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  error(node, std::string(what) + " must be true or false, not " + kindName(node));
  return std::nullopt;
}

std::optional<int64_t> YamlReader::integer(const yaml::Node& node, std::string_view what,
                                           int64_t min, int64_t max) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
      if (v >= min && v <= max) return v;
      error(node, std::string(what) + " must be between " + std::to_string(min) + " and " +
                      std::to_string(max) + ", not " + s);
      return std::nullopt;
    }
  }
  error(node, std::string(what) + " must be a whole number, not " + kindName(node));
  return std::nullopt;
}

std::optional<milliseconds> YamlReader::duration(const yaml::Node& node, std::string_view what,
                                                 milliseconds min, milliseconds max) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a duration such as 5s, not " + kindName(node));
    return std::nullopt;
  }
  auto d = parseDuration(node.Scalar());
  if (!d) {
    error(node, std::string(what) + ": " + d.error().message);
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    error(node, std::string(what) + " must be between " + formatDuration(min) + " and " +
                    formatDuration(max) + ", not " + node.Scalar());
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::string>> YamlReader::stringList(const yaml::Node& node,
                                                               std::string_view what) {
  if (!node.IsSequence()) {
    error(node, std::string(what) + " must be a list, not " + kindName(node));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const auto& item : node.items()) {
    auto s = string(item, std::string(what) + " item");
    if (s) out.push_back(*s);
    ok = ok && s.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> YamlReader::stringMap(const yaml::Node& node,
                                                                        std::string_view what) {
  if (!node.IsMap()) {
    error(node, std::string(what) + " must be a map, not " + kindName(node));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& kv : node.entries()) {
    std::string key = kv.first.Scalar();
    auto v = string(kv.second, std::string(what) + "." + key);
    if (!v) {
      ok = false;
      continue;
    }
    if (!out.emplace(key, *v).second) {
      error(kv.first, "duplicate key '" + key + "' in " + std::string(what));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace novacron
