#include "policy/substitute.h"

namespace novacron::policy {
namespace {

// Walks the template; calls `name(n)` for each placeholder and `text(s)` for literal text.
template <class OnText, class OnName>
Result<void> walk(const std::string& t, OnText&& text, OnName&& name) {
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      text(std::string(1, t[i]));
      i += 2;
      continue;
    }
    if (t[i] == '}')
      return makeError(ErrorCode::kMalformed,
                       "unmatched '}' in '" + t + "' (write }} for a brace)");
    if (t[i] != '{') {
      text(std::string(1, t[i]));
      ++i;
      continue;
    }
    size_t close = t.find('}', i);
    if (close == std::string::npos)
      return makeError(ErrorCode::kMalformed, "unclosed '{' in '" + t + "'");
    if (auto r = name(t.substr(i + 1, close - i - 1)); !r) return r;
    i = close + 1;
  }
  return {};
}

}  // namespace

Result<std::string> substitute(const std::string& templ,
                               const std::map<std::string, std::string>& values) {
  std::string out;
  auto r = walk(
      templ, [&](const std::string& s) { out += s; },
      [&](const std::string& n) -> Result<void> {
        auto it = values.find(n);
        if (it == values.end())
          return makeError(ErrorCode::kNotFound,
                           "unknown placeholder {" + n + "} in '" + templ + "'");
        out += it->second;
        return {};
      });
  if (!r) return r.error();
  return out;
}

Result<std::vector<std::string>> placeholders(const std::string& templ) {
  std::vector<std::string> out;
  auto r = walk(
      templ, [](const std::string&) {},
      [&](const std::string& n) -> Result<void> {
        out.push_back(n);
        return {};
      });
  if (!r) return r.error();
  return out;
}

namespace {
constexpr std::string_view kFields[] = {
    "incident.id",          "incident.playbook", "incident.severity",  "incident.category",
    "incident.description", "incident.state",    "incident.opened_at", "incident.resolved_at",
    "incident.duration",    "incident.actions",  "incident.reason",    "node.id",
    "node.labels"};
}  // namespace

bool isIncidentPlaceholder(const std::string& name) {
  for (auto f : kFields) {
    if (f == name) return true;
  }
  return name.starts_with("labels.") && name.size() > 7;
}

std::string incidentPlaceholderHelp() {
  std::string out;
  for (auto f : kFields) out += "{" + std::string(f) + "}, ";
  return out + "{labels.NAME}";
}

}  // namespace novacron::policy
