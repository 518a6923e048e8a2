#include "policy/substitute.h"

#include <nlohmann/json.hpp>

#include <cctype>

#include "base/text.h"

namespace novacron::policy {
namespace {

// Walks the template; calls `text(c)` for each literal character and `name(n)` for each
// placeholder, in order.
template <class OnText, class OnName>
Result<void> walk(const std::string& t, OnText&& text, OnName&& name) {
  for (size_t i = 0; i < t.size();) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      text(t[i]);
      i += 2;
      continue;
    }
    if (t[i] == '}')
      return makeError(ErrorCode::kMalformed,
                       "unmatched '}' in '" + t + "' (write }} for a brace)");
    if (t[i] != '{') {
      text(t[i]);
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

// Where the literal text of a JSON template stands: inside a string or not, and right after a
// backslash.
struct JsonPosition {
  bool in_string = false;
  bool escaped = false;
  void feed(char c) {
    if (!in_string) {
      in_string = c == '"';
    } else if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = false;
    }
  }
};

std::string jsonStringContent(const std::string& value) {
  std::string quoted = nlohmann::json(validUtf8(value)).dump();
  return quoted.substr(1, quoted.size() - 2);
}

std::string formValue(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : validUtf8(value)) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Result<std::string> substitute(const std::string& templ,
                               const std::map<std::string, std::string>& values, Escape escape) {
  std::string out;
  JsonPosition pos;
  auto r = walk(
      templ,
      [&](char c) {
        out += c;
        pos.feed(c);
      },
      [&](const std::string& n) -> Result<void> {
        auto it = values.find(n);
        if (it == values.end())
          return makeError(ErrorCode::kNotFound,
                           "unknown placeholder {" + n + "} in '" + templ + "'");
        switch (escape) {
          case Escape::kNone:
            out += it->second;
            break;
          case Escape::kJsonString:
            if (!pos.in_string || pos.escaped) {
              return makeError(
                  ErrorCode::kInvalidArgument,
                  "in a JSON body, {" + n + "} must stand inside a string (\"...{" + n + "}...\")");
            }
            out += jsonStringContent(it->second);
            break;
          case Escape::kFormValue:
            out += formValue(it->second);
            break;
        }
        return {};
      });
  if (!r) return r.error();
  return out;
}

Result<std::vector<std::string>> substituteArgv(const std::vector<std::string>& templates,
                                                const std::map<std::string, std::string>& values) {
  std::vector<std::string> argv;
  bool options_ended = false;
  for (size_t i = 0; i < templates.size(); ++i) {
    const std::string& t = templates[i];
    auto arg = substitute(t, values);
    if (!arg) return arg.error();
    bool starts_with_value = t.starts_with("{") && !t.starts_with("{{");
    if (i > 0 && starts_with_value && !options_ended && arg->starts_with("-")) {
      return makeError(ErrorCode::kInvalidArgument,
                       "argument " + std::to_string(i) + " ('" + t + "') would be '" +
                           quoteForMessage(*arg, 80) + "', which " + templates[0] +
                           " would take for an option; a value from the host never becomes an "
                           "option (put \"--\" before it in argv if the program takes one)");
    }
    if (arg->find('\0') != std::string::npos) {
      return makeError(ErrorCode::kInvalidArgument,
                       "argument " + std::to_string(i) + " ('" + t + "') holds a NUL byte");
    }
    if (i > 0 && t == "--") options_ended = true;
    argv.push_back(std::move(*arg));
  }
  return argv;
}

std::vector<size_t> optionLikeArguments(const std::vector<std::string>& templates) {
  std::vector<size_t> out;
  for (size_t i = 1; i < templates.size(); ++i) {
    if (templates[i] == "--") break;
    if (templates[i].starts_with("{labels.")) out.push_back(i);
  }
  return out;
}

bool looksLikeJson(const std::string& body) {
  // By its first character: `{{` (a literal brace) or `[`. Whether the rest parses may depend
  // on the values, and a value must not decide how it is escaped.
  size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string::npos && (body.compare(i, 2, "{{") == 0 || body[i] == '[');
}

Result<std::vector<std::string>> placeholders(const std::string& templ) {
  std::vector<std::string> out;
  auto r = walk(
      templ, [](char) {},
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
