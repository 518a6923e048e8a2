#include "policy/playbook_loader.h"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "base/proc_file.h"
#include "policy/action_types.h"
#include "base/yaml/file_trust.h"
#include "policy/notify_templates.h"
#include "policy/substitute.h"
#include "io/url.h"
#include "base/yaml/yaml_reader.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;

bool validName(const std::string& s) {
  return !s.empty() && s.size() <= 63 && std::islower(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '_';
         });
}

// Reads a condition and maps its errors' columns back into the file. A quoted scalar starts one
// column after its mark; a multi-line condition is pointed at by its first line.
std::optional<Condition> readCondition(YamlReader& r, const yaml::Node& node,
                                       const std::string& what, const MetricLookup& metrics) {
  auto text = r.string(node, what);
  if (!text) return std::nullopt;
  yaml::Mark base = node.mark();
  int shift = node.quoted() ? 1 : 0;
  bool one_line = text->find('\n') == std::string::npos;
  auto report = [&](const ConditionError& e) {
    yaml::Mark at = base;
    if (one_line) at.column += shift + e.column - 1;
    r.error(at, what + ": " + e.message);
  };
  auto parsed = Condition::parse(*text);
  if (auto* errs = std::get_if<std::vector<ConditionError>>(&parsed)) {
    for (const auto& e : *errs) report(e);
    return std::nullopt;
  }
  Condition c = std::get<Condition>(std::move(parsed));
  auto errors = c.bind(metrics);
  for (const auto& e : errors) report(e);
  if (!errors.empty()) return std::nullopt;
  return c;
}

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

// The parameters each action type takes under `with`: a typo fails --check-config instead of
// being ignored at 3 a.m. Beyond its type, a parameter's value may get a closer look (`Check`).
enum class Param { kString, kStringList, kStringMap, kBool, kDuration, kInt };
enum class Check {
  kNone,
  kTemplate,     ///< every string may hold {placeholders}, which must be known
  kProgram,      ///< argv: an absolute, executable program first; then templates
  kUrl,          ///< an http:// or https:// URL
  kSecretFiles,  ///< header name -> a file that exists, readable, 0600 when root
  kHeaders,      ///< header name -> a template; names are HTTP tokens
  kUnit,         ///< a systemd unit name (or a template)
  kNotifyTemplate,
};
struct ParamSpec {
  std::string_view name;
  Param kind;
  bool required;
  Check check = Check::kNone;
};
struct TypeParams {
  std::string_view type;
  std::vector<ParamSpec> params;
};
const std::vector<TypeParams>& typeParams() {
  static const std::vector<TypeParams> kTable = {
      {"exec",
       {{"argv", Param::kStringList, true, Check::kProgram},
        {"user", Param::kString, false},
        {"cwd", Param::kString, false},
        {"env", Param::kStringMap, false, Check::kTemplate}}},
      {"systemd_restart", {{"unit", Param::kString, true, Check::kUnit}}},
      {"http_request",
       {{"method", Param::kString, false},
        {"url", Param::kString, true, Check::kUrl},
        {"headers", Param::kStringMap, false, Check::kHeaders},
        {"header_files", Param::kStringMap, false, Check::kSecretFiles},
        {"body", Param::kString, false, Check::kTemplate},
        {"expect_status", Param::kInt, false}}},
      {"diagnostics_report", {}},
      {"evidence_bundle", {{"paths", Param::kStringList, false}}},
      {"notify",
       {{"template", Param::kString, false, Check::kNotifyTemplate},
        {"webhook", Param::kString, false, Check::kUrl},
        {"text", Param::kString, false, Check::kTemplate}}},
      {"escalate", {{"reason", Param::kString, false}}},
      {"pg_cancel_long_queries",
       {{"instance", Param::kString, false},
        {"older_than", Param::kDuration, false},
        {"terminate_after", Param::kDuration, false},
        {"databases", Param::kStringList, false},
        {"users", Param::kStringList, false}}},
      {"pg_terminate_idle_in_transaction",
       {{"instance", Param::kString, false}, {"older_than", Param::kDuration, false}}},
      {"pg_readonly", {{"instance", Param::kString, false}, {"enable", Param::kBool, true}}},
      {"pg_vacuum_analyze",
       {{"instance", Param::kString, false}, {"table", Param::kString, false}}},
  };
  return kTable;
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

bool checkValue(YamlReader& r, const yaml::Node& value, Check check, const std::string& where) {
  bool ok = true;
  switch (check) {
    case Check::kNone:
      break;
    case Check::kTemplate:
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
      if (auto u = parseUrl(value.Scalar()); !u) {
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
        } else if (::geteuid() == 0 && ::stat(v.Scalar().c_str(), &st) == 0 &&
                   (st.st_mode & 077) != 0) {
          r.error(v, where + ": the secret file for header " + k.Scalar() + ", " + v.Scalar() +
                         ", must be readable by its owner only (chmod 0600)");
          ok = false;
        }
        if (!isHttpToken(k.Scalar())) {
          r.error(k, where + ": '" + k.Scalar() + "' is not an HTTP header name");
          ok = false;
        }
      }
      break;
    case Check::kHeaders:
      for (const auto& [k, v] : value.entries()) {
        if (!isHttpToken(k.Scalar())) {
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
                 const std::string& type, const std::string& where) {
  const TypeParams* tp = nullptr;
  for (const auto& t : typeParams()) {
    if (t.type == type) tp = &t;
  }
  if (!tp) return true;
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
    ok = typed && checkValue(r, value, spec->check, where) && ok;
  }
  if (type == "http_request" && ok) ok = checkHttpBody(r, with, where);
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
                   ResourceLimits& out) {
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

std::optional<ActionSpec> readAction(YamlReader& r, const yaml::Node& n, const std::string& where) {
  if (!r.checkMap(n, where,
                  {"id", "type", "with", "automated", "approval", "timeout", "resources"}))
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
  auto type = r.get(n, "type", where + ".type");
  if (!type.IsDefined()) {
    r.error(n, where + " needs a type");
    ok = false;
  } else if (auto s = r.string(type, where + ".type")) {
    if (isActionType(*s)) {
      a.type = *s;
    } else {
      std::string known;
      for (auto t : actionTypes()) known += (known.empty() ? "" : ", ") + std::string(t);
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
      if (!a.type.empty() && !checkParams(r, w, w, a.type, where)) ok = false;
      a.with = toJson(w);
    }
  } else if (!a.type.empty()) {
    // No parameters at all: still check that none is required.
    if (!checkParams(r, yaml::Node(), n, a.type, where)) ok = false;
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
    if (!a.type.empty() && a.type != "exec" && a.type != "systemd_restart") {
      r.error(v, where + ": " + a.type + " starts no process; resources apply to exec and " +
                     "systemd_restart");
      ok = false;
    } else if (!readResources(r, v, where + ".resources", a.resources)) {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return a;
}

// One playbook map. Errors go to the reader; nullopt if there was any.
std::optional<Playbook> readPlaybook(YamlReader& r, const yaml::Node& n,
                                     const MetricLookup& metrics, bool builtin) {
  static const std::initializer_list<std::string_view> kFields = {
      "name",         "severity",      "category",    "description", "enabled", "when",   "for",
      "resolve_when", "escalate_when", "escalate_to", "verify",      "actions", "limits", "labels"};
  if (!r.checkMap(n, "a playbook", kFields)) return std::nullopt;
  Playbook p;
  p.builtin = builtin;
  p.pos = {r.file(), n.mark().line + 1, n.mark().column + 1};
  auto name = r.get(n, "name", "name");
  if (!name.IsDefined()) {
    r.error(n, "a playbook needs a name");
    return std::nullopt;
  }
  auto nm = r.string(name, "name");
  if (!nm) return std::nullopt;
  if (!validName(*nm)) {
    r.error(name, "playbook name '" + *nm +
                      "' must be lower-case letters, digits and '_', starting with a letter");
    return std::nullopt;
  }
  p.name = *nm;
  const std::string w = "playbook " + p.name;
  bool ok = true;
  auto fail = [&] { ok = false; };
  bool has_when = false;
  for (const auto& kv : n.entries()) has_when = has_when || kv.first.Scalar() == "when";

  if (auto v = r.get(n, "enabled", "enabled"); v.IsDefined()) {
    if (auto b = r.boolean(v, w + ": enabled"))
      p.enabled = *b;
    else
      fail();
  }
  // `{name: x, enabled: false}` only switches a playbook off; it needs nothing else.
  if (!p.enabled && n.size() == 2) return p;

  if (auto v = r.get(n, "severity", "severity"); v.IsDefined()) {
    if (auto s = r.integer(v, w + ": severity", 1, 4))
      p.severity = static_cast<int>(*s);
    else
      fail();
  } else {
    r.error(n, w + " needs a severity (1-4)");
    fail();
  }
  if (auto v = r.get(n, "category", "category"); v.IsDefined()) {
    if (auto s = r.string(v, w + ": category")) {
      if (auto c = parseCategory(*s))
        p.category = *c;
      else
        r.error(v,
                w + ": category '" + *s +
                    "' must be infrastructure, application, database, network, security or data"),
            fail();
    } else {
      fail();
    }
  } else {
    r.error(n, w + " needs a category");
    fail();
  }
  if (auto v = r.get(n, "description", "description"); v.IsDefined()) {
    if (auto s = r.string(v, w + ": description"))
      p.description = *s;
    else
      fail();
  }
  if (auto v = r.get(n, "when", "when"); v.IsDefined()) {
    if (auto c = readCondition(r, v, w + ": when", metrics))
      p.when = std::move(*c);
    else
      fail();
  }
  if (auto v = r.get(n, "for", "for"); v.IsDefined()) {
    if (auto d = r.duration(v, w + ": for", 0ms, 24h))
      p.for_duration = *d;
    else
      fail();
    if (!has_when) r.error(v, w + ": 'for' needs a 'when' condition"), fail();
  }
  if (auto v = r.get(n, "resolve_when", "resolve_when"); v.IsDefined()) {
    if (auto c = readCondition(r, v, w + ": resolve_when", metrics))
      p.resolve_when = std::move(*c);
    else
      fail();
    if (!has_when) r.error(v, w + ": 'resolve_when' needs a 'when' condition"), fail();
  }
  if (auto v = r.get(n, "escalate_when", "escalate_when"); v.IsDefined()) {
    if (auto c = readCondition(r, v, w + ": escalate_when", metrics))
      p.escalate_when = std::move(*c);
    else
      fail();
  }
  p.escalate_to = std::max(1, p.severity - 1);
  if (auto v = r.get(n, "escalate_to", "escalate_to"); v.IsDefined()) {
    if (auto s = r.integer(v, w + ": escalate_to", 1, 4)) {
      p.escalate_to = static_cast<int>(*s);
      if (p.escalate_to >= p.severity)
        r.error(v, w + ": escalate_to must be a more severe level (lower number) than severity"),
            fail();
    } else {
      fail();
    }
  }
  if (auto v = r.get(n, "verify", "verify"); v.IsDefined()) {
    if (r.checkMap(v, w + ": verify", {"window", "mandatory", "recommended"})) {
      if (auto win = r.get(v, "window", "verify.window"); win.IsDefined()) {
        if (auto d = r.duration(win, w + ": verify.window", 0ms, 24h))
          p.verify.window = *d;
        else
          fail();
      }
      for (const char* key : {"mandatory", "recommended"}) {
        auto list = r.get(v, key, std::string("verify.") + key);
        if (!list.IsDefined()) continue;
        if (!list.IsSequence()) {
          r.error(list, w + ": verify." + key + " must be a list of conditions");
          fail();
          continue;
        }
        for (const auto& item : list.items()) {
          auto c = readCondition(r, item, w + ": verify." + key, metrics);
          if (!c) {
            fail();
            continue;
          }
          (std::string_view(key) == "mandatory" ? p.verify.mandatory : p.verify.recommended)
              .push_back(std::move(*c));
        }
      }
    } else {
      fail();
    }
  }
  if (auto v = r.get(n, "actions", "actions"); v.IsDefined()) {
    if (!v.IsSequence()) {
      r.error(v, w + ": actions must be a list");
      fail();
    } else {
      std::map<std::string, SourcePos> ids;
      int i = 0;
      for (const auto& item : v.items()) {
        auto a = readAction(r, item, w + ": actions[" + std::to_string(i++) + "]");
        if (!a) {
          fail();
          continue;
        }
        if (auto [it, inserted] = ids.emplace(a->id, a->pos); !inserted) {
          r.error(item,
                  w + ": duplicate action id '" + a->id + "' (first at " + it->second.str() + ")");
          fail();
          continue;
        }
        p.actions.push_back(std::move(*a));
      }
    }
  }
  if (auto v = r.get(n, "limits", "limits"); v.IsDefined()) {
    if (r.checkMap(v, w + ": limits", {"cooldown", "max_runs_per_hour"})) {
      if (auto c = r.get(v, "cooldown", "limits.cooldown"); c.IsDefined()) {
        if (auto d = r.duration(c, w + ": limits.cooldown", 0ms, 7 * 24h))
          p.limits.cooldown = *d;
        else
          fail();
      }
      if (auto m = r.get(v, "max_runs_per_hour", "limits.max_runs_per_hour"); m.IsDefined()) {
        if (auto x = r.integer(m, w + ": limits.max_runs_per_hour", 1, 3600))
          p.limits.max_runs_per_hour = static_cast<int>(*x);
        else
          fail();
      }
    } else {
      fail();
    }
  }
  if (auto v = r.get(n, "labels", "labels"); v.IsDefined()) {
    if (auto m = r.stringMap(v, w + ": labels"))
      p.labels = *m;
    else
      fail();
  }
  if (!ok) return std::nullopt;
  return p;
}

}  // namespace

const Playbook* PolicySet::find(std::string_view name) const {
  for (const auto& p : playbooks) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     Diagnostics& errors) {
  return parsePlaybooks(source, metrics, errors, nullptr);
}

std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     Diagnostics& errors, Diagnostics* warnings) {
  YamlReader r(source.file, errors, warnings);
  std::vector<Playbook> out;
  auto doc = r.load(source.text);
  if (!doc || doc->IsNull()) return out;
  if (doc->IsMap()) {
    if (auto p = readPlaybook(r, *doc, metrics, source.builtin)) out.push_back(std::move(*p));
  } else if (doc->IsSequence()) {
    for (const auto& item : doc->items()) {
      if (auto p = readPlaybook(r, item, metrics, source.builtin)) out.push_back(std::move(*p));
    }
  } else {
    r.error(*doc, "a playbook file holds a playbook (a map) or a list of playbooks");
  }
  return out;
}

PolicyLoad loadPolicy(std::span<const PlaybookSource> builtins,
                      const std::optional<std::filesystem::path>& dir,
                      const PolicyLoadOptions& options) {
  PolicyLoad load;
  std::map<std::string, Playbook> by_name;
  std::map<std::string, SourcePos> defined_in_dir;
  auto add = [&](std::vector<Playbook> list, bool from_dir) {
    for (auto& p : list) {
      if (from_dir) {
        if (auto [it, inserted] = defined_in_dir.emplace(p.name, p.pos); !inserted) {
          load.errors.push_back(
              {p.pos.file, p.pos.line, p.pos.column,
               "duplicate playbook name '" + p.name + "' (first at " + it->second.str() + ")"});
          continue;
        }
        auto existing = by_name.find(p.name);
        bool stub = !p.enabled && !p.when && p.actions.empty() && p.description.empty();
        if (stub) {
          if (existing == by_name.end()) {
            load.errors.push_back(
                {p.pos.file, p.pos.line, p.pos.column,
                 "'" + p.name + "' is switched off but there is no such playbook"});
          } else {
            existing->second.enabled = false;
          }
          continue;
        }
      } else if (by_name.count(p.name)) {
        load.errors.push_back(
            {p.pos.file, p.pos.line, p.pos.column, "duplicate built-in playbook '" + p.name + "'"});
        continue;
      }
      by_name[p.name] = std::move(p);
    }
  };
  for (const auto& src : builtins)
    add(parsePlaybooks(src, options.metrics, load.errors, &load.warnings), false);

  if (dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*dir, ec)) {
      load.errors.push_back({dir->string(), 1, 1, "playbooks_dir is not a readable directory"});
    } else {
      if (options.enforce_ownership) {
        if (auto why = untrustedReason(*dir))
          load.errors.push_back({dir->string(), 1, 1, "refusing playbooks: " + *why});
      }
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(*dir, ec)) {
        if (e.path().extension() == ".yaml" && e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        auto text = readTrustedFile(f, options.enforce_ownership);
        if (!text) {
          load.errors.push_back({f.string(), 1, 1, text.error().message});
          continue;
        }
        add(parsePlaybooks({f.string(), std::move(*text), false}, options.metrics, load.errors,
                           &load.warnings),
            true);
      }
    }
  }
  if (!load.errors.empty()) return load;
  auto set = std::make_shared<PolicySet>();
  for (auto& [name, p] : by_name) set->playbooks.push_back(std::move(p));
  load.policy = std::move(set);
  return load;
}

}  // namespace novacron::policy
