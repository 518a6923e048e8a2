#include "policy/label_types.h"

#include <algorithm>
#include <charconv>

#include "base/text.h"
#include "io/address.h"
#include "policy/action_schema.h"
#include "policy/substitute.h"

namespace novacron::policy {

namespace {

struct KindName {
  LabelKind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {
    {LabelKind::kPlain, "plain"},
    {LabelKind::kName, "name"},
    {LabelKind::kUser, "user"},
    {LabelKind::kPid, "pid"},
    {LabelKind::kUnit, "unit"},
    {LabelKind::kAddress, "address"},
    {LabelKind::kPathComponent, "path_component"},
    {LabelKind::kPath, "path"},
    {LabelKind::kText, "text"},
    {LabelKind::kPattern, "pattern"},
};

bool nameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// A POSIX user name as useradd and systemd accept it: no list separator, no path, no option.
bool userName(std::string_view v) {
  return !v.empty() && v.size() <= 32 && v.front() != '-' && v.front() != '.' &&
         std::all_of(v.begin(), v.end(), nameChar);
}

Error notA(const std::string& label, std::string_view value, const std::string& what) {
  return makeError(
      ErrorCode::kInvalidArgument,
      "label " + label + " '" + quoteForMessage(std::string(value), 64) + "' is not " + what);
}

}  // namespace

std::string_view labelKindName(LabelKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "name";
}

std::string labelKindNames() {
  std::string out;
  for (const auto& k : kKinds) {
    if (k.kind == LabelKind::kPattern) continue;
    out += (out.empty() ? "" : ", ") + std::string(k.name);
  }
  return out + " or {pattern: REGEX}";
}

std::optional<LabelKind> parseLabelKind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::set<std::string> labelsUsed(const nlohmann::json& with) {
  std::set<std::string> out;
  auto walk = [&](auto&& self, const nlohmann::json& j) -> void {
    if (j.is_string()) {
      if (auto names = placeholders(j.get<std::string>())) {
        for (const auto& n : *names) {
          if (n.starts_with("labels.") && n.size() > 7) out.insert(n.substr(7));
        }
      }
    } else if (j.is_structured()) {
      for (const auto& item : j) self(self, item);
    }
  };
  walk(walk, with);
  return out;
}

const LabelType& labelTypeOf(const LabelTypes& types, const std::string& name) {
  static const LabelType kDefault;
  auto it = types.find(name);
  return it == types.end() ? kDefault : it->second;
}

Result<void> checkLabelValue(const std::string& name, const LabelType& type,
                             std::string_view value) {
  if (std::any_of(value.begin(), value.end(),
                  [](char c) { return isControl(static_cast<unsigned char>(c)); }))
    return notA(name, value, "free of control characters");
  switch (type.kind) {
    case LabelKind::kPlain: {
      const std::string undeclared =
          type.declared ? "" : " (it has no type: declare one under label_types)";
      if (value.empty() || value.size() > 1024 || value.front() == '-')
        return notA(name, value, "a plain value: not empty, not starting with '-'" + undeclared);
      if (value.find(',') != std::string_view::npos)
        return notA(name, value, "a plain value: one value, not a list with ','" + undeclared);
      if (value == ".." || value.starts_with("../") || value.ends_with("/..") ||
          value.find("/../") != std::string_view::npos)
        return notA(name, value, "a plain value: no '..' component" + undeclared);
      return {};
    }
    case LabelKind::kName:
      if (value.empty() || value.size() > 128 || value.front() == '-' || value.front() == '.' ||
          !std::all_of(value.begin(), value.end(), nameChar))
        return notA(name, value, "a name (letters, digits, '_', '-', '.')");
      return {};
    case LabelKind::kUser:
      if (!userName(value)) return notA(name, value, "one user name");
      if (!type.allow_root && value == "root")
        return notA(name, value, "a user other than root (the playbook does not allow root)");
      return {};
    case LabelKind::kPid: {
      int64_t pid = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
      if (ec != std::errc() || p != value.data() + value.size() || value.front() == '0' ||
          pid < 2 || pid > (1 << 22))
        return notA(name, value, "a process id (2 to 4194304; never init)");
      return {};
    }
    case LabelKind::kUnit:
      if (!isUnitName(value) || value.front() == '-')
        return notA(name, value, "a systemd unit name");
      return {};
    case LabelKind::kAddress: {
      auto n = io::parseNetwork(value);
      if (!n)
        return makeError(ErrorCode::kInvalidArgument, "label " + name + ": " + n.error().message);
      int widest = n->v6 ? type.widest_v6 : type.widest_v4;
      if (n->prefix < widest)
        return notA(name, value,
                    "an address or a network of at most /" + std::to_string(widest) +
                        (widest == (n->v6 ? 128 : 32) ? " (one address)" : ""));
      return {};
    }
    case LabelKind::kPathComponent:
      if (value.empty() || value.size() > 255 || value == "." || value == ".." ||
          value.front() == '-' || value.find('/') != std::string_view::npos)
        return notA(name, value, "one file name (no '/', not '.' or '..', not starting with '-')");
      return {};
    case LabelKind::kPath: {
      if (value.size() > 4096 || !value.starts_with("/"))
        return notA(name, value, "an absolute path");
      for (size_t pos = 1; pos <= value.size();) {
        size_t end = std::min(value.find('/', pos), value.size());
        std::string_view part = value.substr(pos, end - pos);
        if ((part.empty() && value.size() > 1) || part == "." || part == "..")
          return notA(name, value, "an absolute path without '.', '..' or empty components");
        pos = end + 1;
      }
      return {};
    }
    case LabelKind::kText:
      if (value.size() > 1024) return notA(name, value, "a text of at most 1024 bytes");
      return {};
    case LabelKind::kPattern:
      if (!type.pattern || !type.pattern->matches(value))
        return notA(name, value, "matched whole by " + type.pattern_text);
      return {};
  }
  return {};
}

}  // namespace novacron::policy
