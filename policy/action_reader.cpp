#include "policy/action_reader.h"
#include "base/secret.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "io/redis/recovery_commands.h"
#include "io/url.h"
#include "policy/notify_templates.h"
#include "policy/substitute.h"

namespace novacron::policy {

namespace {

using namespace std::chrono_literals;

nlohmann::json toJson(const yaml::Node& n) {
  switch (n.kind()) {
    case yaml::Kind::kMap: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n.entries()) j[kv.first.Scalar()] = toJson(kv.second);
      return j;
    }
    case yaml::Kind::kSequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& item : n.items()) j.push_back(toJson(item));
      return j;
    }
    case yaml::Kind::kScalar: {
      // Plain scalars that read as booleans or numbers keep that type; quoted ones stay strings.
      const std::string& s = n.Scalar();
      if (!n.quoted()) {
        if (s == "true" || s == "false") return s == "true";
        int64_t i = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return i;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

// The scalars of a parameter value: itself, a list's items or a map's values.
std::vector<const yaml::Node*> scalarsOf(const yaml::Node& value) {
  std::vector<const yaml::Node*> out;
  if (value.IsScalar()) out.push_back(&value);
  if (value.IsSequence()) {
    for (const auto& item : value.items()) {
      if (item.IsScalar()) out.push_back(&item);
    }
  }
  if (value.IsMap()) {
    for (const auto& [k, v] : value.entries()) {
      if (v.IsScalar()) out.push_back(&v);
    }
  }
  return out;
}

bool checkTemplate(YamlReader& r, const yaml::Node& n, const std::string& where) {
  auto names = placeholders(n.Scalar());
  if (!names) {
    r.error(n, where + ": unbalanced braces in '" + n.Scalar() +
                   "' (write {{ and }} for literal braces)");
    return false;
  }
  bool ok = true;
  for (const auto& name : *names) {
    if (!isIncidentPlaceholder(name)) {
      r.error(n, where + ": unknown placeholder {" + name +
                     "} (known: " + incidentPlaceholderHelp() + ")");
      ok = false;
    }
  }
  return ok;
}

bool checkValue(YamlReader& r, const yaml::Node& value, Check check, const std::string& where,
                const std::string& secret_reader) {
  bool ok = true;
  switch (check) {
    case Check::kNone:
      break;
    case Check::kTemplate:
    case Check::kJsonBody:
      for (const yaml::Node* n : scalarsOf(value)) ok = checkTemplate(r, *n, where) && ok;
      break;
    case Check::kProgram: {
      if (value.items().empty()) {
        r.error(value, where + ": exec needs a program in argv");
        return false;
      }
      std::vector<std::string> templates;
      for (const auto& item : value.items()) templates.push_back(item.Scalar());
      for (size_t i : optionLikeArguments(templates)) {
        if (!placeholders(templates[i])) continue;  // malformed: reported below
        r.warn(value.items()[i],
               where + ": argv[" + std::to_string(i) + "] '" + templates[i] +
                   "' starts with a value from the host with no \"--\" before it: a value "
                   "starting with '-' would be an option, so such a run is refused; put \"--\" "
                   "before it if " +
                   templates[0] + " takes one");
      }
      const yaml::Node& prog = value.items().front();
      if (!prog.Scalar().starts_with("/")) {
        r.error(prog, where + ": the program '" + prog.Scalar() +
                          "' must be an absolute path (no PATH lookup as root)");
        ok = false;
      } else if (prog.Scalar().find('{') == std::string::npos &&
                 ::access(prog.Scalar().c_str(), X_OK) != 0) {
        r.error(prog, where + ": the program " + prog.Scalar() +
                          " is missing or not executable on this host");
        ok = false;
      }
      for (const yaml::Node* n : scalarsOf(value)) ok = checkTemplate(r, *n, where) && ok;
      break;
    }
    case Check::kUrl:
      if (auto u = io::parseUrl(value.Scalar()); !u) {
        r.error(value, where + ": " + u.error().message);
        ok = false;
      }
      break;
    case Check::kSecretFiles:
      for (const auto& [k, v] : value.entries()) {
        struct stat st {};
        if (!v.Scalar().starts_with("/") || ::access(v.Scalar().c_str(), R_OK) != 0) {
          r.error(v, where + ": the secret file for header " + k.Scalar() + ", " + v.Scalar() +
                         ", is missing or unreadable (an absolute path is needed)");
          ok = false;
        } else if (::geteuid() == 0 && ::stat(v.Scalar().c_str(), &st) == 0) {
          auto why = secretModeProblem(st);
          if (!why) why = secretReaderProblem(st, secret_reader, v.Scalar());
          if (why) {
            r.error(v, where + ": the secret file for header " + k.Scalar() + ", " + v.Scalar() +
                           ", " + *why);
            ok = false;
          }
        }
        if (!io::isHttpToken(k.Scalar())) {
          r.error(k, where + ": '" + k.Scalar() + "' is not an HTTP header name");
          ok = false;
        }
      }
      break;
    case Check::kHeaders:
      for (const auto& [k, v] : value.entries()) {
        if (!io::isHttpToken(k.Scalar())) {
          r.error(k, where + ": '" + k.Scalar() + "' is not an HTTP header name");
          ok = false;
        }
        ok = checkTemplate(r, v, where) && ok;
      }
      break;
    case Check::kUnit:
      if (value.Scalar().find('{') != std::string::npos) {
        ok = checkTemplate(r, value, where);
      } else if (!isUnitName(value.Scalar())) {
        r.error(value, where + ": '" + value.Scalar() +
                           "' is not a systemd unit name (e.g. nginx.service)");
        ok = false;
      }
      break;
    case Check::kRedisCommand:
      if (auto c = io::recoveryCommand(value.Scalar()); !c) {
        r.error(value, where + ": " + c.error().message);
        ok = false;
      }
      break;
    case Check::kNotifyTemplate:
      if (!isNotifyTemplate(value.Scalar())) {
        r.error(value, where + ": unknown notification template '" + value.Scalar() +
                           "' (known: " + notifyTemplateNames() + ")");
        ok = false;
      }
      break;
  }
  return ok;
}

// A JSON body (by its Content-Type or its shape) may hold placeholders only inside strings,
// where their values are escaped: a value can then never add a key or end the document.
bool checkHttpBody(YamlReader& r, const yaml::Node& with, const std::string& where) {
  yaml::Node body, type;
  for (const auto& [k, v] : with.entries()) {
    if (k.Scalar() == "body") body = v;
    if (k.Scalar() != "headers" || !v.IsMap()) continue;
    for (const auto& [hk, hv] : v.entries()) {
      std::string name = hk.Scalar();
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (name == "content-type") type = hv;
    }
  }
  if (!body.IsDefined() || !body.IsScalar()) return true;
  bool json = looksLikeJson(body.Scalar()) ||
              (type.IsDefined() && type.Scalar().find("json") != std::string::npos);
  if (!json) return true;
  auto names = placeholders(body.Scalar());
  if (!names) return true;  // reported by the template check
  std::map<std::string, std::string> dummy;
  for (const auto& n : *names) dummy[n] = "";
  if (auto filled = substitute(body.Scalar(), dummy, Escape::kJsonString); !filled) {
    r.error(body, where + ".with.body: " + filled.error().message);
    return false;
  }
  return true;
}

bool checkParams(YamlReader& r, const yaml::Node& with, const yaml::Node& at,
                 const ActionSchema& schema, const std::string& where,
                 const std::string& secret_reader) {
  const ActionSchema* tp = &schema;
  const std::string type(schema.type);
  bool ok = true;
  std::set<std::string> seen;
  for (const auto& [key, value] : with.entries()) {
    const ParamSpec* spec = nullptr;
    for (const auto& ps : tp->params) {
      if (ps.name == key.Scalar()) spec = &ps;
    }
    if (!spec) {
      std::string known;
      for (const auto& ps : tp->params) known += (known.empty() ? "" : ", ") + std::string(ps.name);
      r.error(key, where + ": " + type + " has no parameter '" + key.Scalar() + "' (" +
                       (known.empty() ? std::string("it takes none") : "parameters: " + known) +
                       ")");
      ok = false;
      continue;
    }
    seen.insert(key.Scalar());
    std::string what = where + ".with." + key.Scalar();
    bool typed = false;
    switch (spec->kind) {
      case Param::kString:
        typed = r.string(value, what).has_value();
        break;
      case Param::kStringList:
        typed = r.stringList(value, what).has_value();
        break;
      case Param::kStringMap:
        typed = r.stringMap(value, what).has_value();
        break;
      case Param::kBool:
        typed = r.boolean(value, what).has_value();
        break;
      case Param::kDuration:
        typed = r.duration(value, what, 0ms, 7 * 24h).has_value();
        break;
      case Param::kInt:
        typed = r.integer(value, what, 100, 599).has_value();
        break;
    }
    ok = typed && checkValue(r, value, spec->check, where, secret_reader) && ok;
  }
  bool json_body = std::any_of(tp->params.begin(), tp->params.end(),
                               [](const ParamSpec& ps) { return ps.check == Check::kJsonBody; });
  if (json_body && ok) ok = checkHttpBody(r, with, where);
  for (const auto& ps : tp->params) {
    if (ps.required && !seen.count(std::string(ps.name))) {
      r.error(at, where + ": " + type + " needs '" + std::string(ps.name) + "'");
      ok = false;
    }
  }
  return ok;
}

// `resources: {memory_max: 256MiB, tasks_max: 64, cpu_max: 50%}`: the limits of a run's
// cgroup. cpu_max is a share of one CPU (50%) or a number of CPUs (2).
bool readResources(YamlReader& r, const yaml::Node& n, const std::string& where,
                   io::ResourceLimits& out) {
  if (!r.checkMap(n, where, {"memory_max", "tasks_max", "cpu_max"})) return false;
  bool ok = true;
  auto quantity = [&](const char* key, double min, double max, const char* unit,
                      double& value) -> bool {
    auto v = r.get(n, key, where + "." + key);
    if (!v.IsDefined()) return false;
    auto s = r.string(v, where + "." + key);
    if (!s) return ok = false;
    std::string why;
    auto q = parseQuantity(*s, why);
    if (!q || q->duration) {
      r.error(v, where + "." + key + ": " + (why.empty() ? "'" + *s + "' is not " + unit : why));
      return ok = false;
    }
    if (!(q->value >= min && q->value <= max)) {
      r.error(v, where + "." + key + ": '" + *s + "' is out of range");
      return ok = false;
    }
    value = q->value;
    return true;
  };
  double memory = 0, cpu = 0;
  if (quantity("memory_max", 4.0 * (1 << 20), 1024.0 * (1ull << 30), "a size such as 256MiB",
               memory))
    out.memory_max = static_cast<uint64_t>(memory);
  if (quantity("cpu_max", 0.01, 1024, "a share such as 50% or a number of CPUs", cpu))
    out.cpu_max = cpu;
  if (auto v = r.get(n, "tasks_max", where + ".tasks_max"); v.IsDefined()) {
    if (auto t = r.integer(v, where + ".tasks_max", 1, 100000))
      out.tasks_max = static_cast<uint64_t>(*t);
    else
      ok = false;
  }
  return ok;
}

}  // namespace

bool validName(const std::string& s) {
  return !s.empty() && s.size() <= 63 && std::islower(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '_';
         });
}

std::optional<ActionSpec> readAction(YamlReader& r, const yaml::Node& n, const std::string& where,
                                     ActionCatalog actions, const std::string& secret_reader) {
  if (!r.checkMap(
          n, where,
          {"id", "type", "with", "automated", "approval", "timeout", "resources", "only_if"}))
    return std::nullopt;
  ActionSpec a;
  a.pos = {r.file(), n.mark().line + 1, n.mark().column + 1};
  bool ok = true;
  auto id = r.get(n, "id", where + ".id");
  if (!id.IsDefined()) {
    r.error(n, where + " needs an id");
    ok = false;
  } else if (auto s = r.string(id, where + ".id")) {
    if (validName(*s))
      a.id = *s;
    else
      r.error(id, where + ".id '" + *s + "' must be lower-case letters, digits and '_'"),
          ok = false;
  } else {
    ok = false;
  }
  const ActionSchema* schema = nullptr;
  auto type = r.get(n, "type", where + ".type");
  if (!type.IsDefined()) {
    r.error(n, where + " needs a type");
    ok = false;
  } else if (auto s = r.string(type, where + ".type")) {
    if ((schema = findActionSchema(actions, *s))) {
      a.type = *s;
    } else {
      std::vector<std::string_view> names;
      for (const auto& t : actions) names.push_back(t.type);
      std::sort(names.begin(), names.end());
      std::string known;
      for (auto t : names) known += (known.empty() ? "" : ", ") + std::string(t);
      r.error(type, "unknown action type '" + *s + "' (known: " + known + ")");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto w = r.get(n, "with", where + ".with"); w.IsDefined()) {
    if (!w.IsMap()) {
      r.error(w, where + ".with must be a map of parameters");
      ok = false;
    } else {
      if (schema && !checkParams(r, w, w, *schema, where, secret_reader)) ok = false;
      a.with = toJson(w);
    }
  } else if (schema) {
    // No parameters at all: still check that none is required.
    if (!checkParams(r, yaml::Node(), n, *schema, where, secret_reader)) ok = false;
  }
  if (auto v = r.get(n, "automated", where + ".automated"); v.IsDefined()) {
    if (auto b = r.boolean(v, where + ".automated"))
      a.automated = *b;
    else
      ok = false;
  }
  if (auto v = r.get(n, "approval", where + ".approval"); v.IsDefined()) {
    if (r.checkMap(v, where + ".approval", {"distinct_approver", "timeout"})) {
      if (auto d = r.get(v, "distinct_approver", where + ".approval.distinct_approver");
          d.IsDefined()) {
        if (auto b = r.boolean(d, where + ".approval.distinct_approver"))
          a.approval.distinct_approver = *b;
        else
          ok = false;
      }
      if (auto t = r.get(v, "timeout", where + ".approval.timeout"); t.IsDefined()) {
        if (auto d = r.duration(t, where + ".approval.timeout", 1min, 7 * 24h))
          a.approval.timeout = *d;
        else
          ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (auto v = r.get(n, "timeout", where + ".timeout"); v.IsDefined()) {
    if (auto d = r.duration(v, where + ".timeout", 100ms, 24h))
      a.timeout = *d;
    else
      ok = false;
  }
  if (auto v = r.get(n, "resources", where + ".resources"); v.IsDefined()) {
    if (schema && !schema->starts_process) {
      std::string which;
      for (const auto& t : actions) {
        if (t.starts_process) which += (which.empty() ? "" : " and ") + std::string(t.type);
      }
      r.error(v, where + ": " + a.type + " starts no process; resources apply to " + which);
      ok = false;
    } else if (!readResources(r, v, where + ".resources", a.resources)) {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return a;
}

}  // namespace novacron::policy
