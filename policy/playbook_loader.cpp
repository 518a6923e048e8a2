#include "policy/playbook_loader.h"

#include "base/sha256.h"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "base/proc_file.h"
#include "base/yaml/file_trust.h"
#include "base/yaml/yaml_reader.h"
#include "io/address.h"
#include "io/url.h"
#include "policy/action_reader.h"
#include "policy/action_schema.h"
#include "policy/label_types.h"
#include "policy/notify_templates.h"
#include "policy/substitute.h"

namespace novacron::policy {
namespace {

using namespace std::chrono_literals;

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

// label_types: NAME: KIND, or NAME: {type: KIND, allow_root, widest_v4, widest_v6, from_scrape},
// or NAME: {pattern: REGEX, from_scrape}.
std::optional<LabelTypes> readLabelTypes(YamlReader& r, const yaml::Node& v, const std::string& w) {
  if (!v.IsMap()) {
    r.error(v, w + ": label_types must map label names to types (" + labelKindNames() + ")");
    return std::nullopt;
  }
  LabelTypes out;
  bool ok = true;
  for (const auto& entry : v.entries()) {
    // Not a structured binding: clang 15 lets no lambda capture one.
    const yaml::Node& spec = entry.second;
    const std::string name = entry.first.Scalar();
    const std::string where = w + ": label_types." + name;
    LabelType t;
    t.declared = true;
    auto kind = [&](const yaml::Node& k) {
      auto text = r.string(k, where);
      if (!text) return false;
      auto parsed = parseLabelKind(*text);
      if (!parsed || *parsed == LabelKind::kPattern) {
        r.error(k, where + ": '" + *text + "' is not a label type (" + labelKindNames() + ")");
        return false;
      }
      t.kind = *parsed;
      return true;
    };
    if (spec.IsScalar()) {
      ok = kind(spec) && ok;
    } else if (r.checkMap(
                   spec, where,
                   {"type", "pattern", "allow_root", "widest_v4", "widest_v6", "from_scrape"})) {
      auto type = r.get(spec, "type", "type");
      auto pattern = r.get(spec, "pattern", "pattern");
      if (type.IsDefined() == pattern.IsDefined()) {
        r.error(spec, where + " needs a type or a pattern, not both");
        ok = false;
        continue;
      }
      if (type.IsDefined() && !kind(type)) ok = false;
      if (pattern.IsDefined()) {
        auto text = r.string(pattern, where + ".pattern");
        auto compiled =
            text ? Pattern::compile(*text)
                 : Result<std::shared_ptr<const Pattern>>(makeError(ErrorCode::kMalformed, ""));
        if (!compiled) {
          if (text) r.error(pattern, where + ".pattern: " + compiled.error().message);
          ok = false;
          continue;
        }
        t.kind = LabelKind::kPattern;
        t.pattern_text = *text;
        t.pattern = *compiled;
      }
      auto flag = [&](const char* key_name, bool& out_flag) {
        if (auto f = r.get(spec, key_name, key_name); f.IsDefined()) {
          if (auto b = r.boolean(f, where + "." + key_name))
            out_flag = *b;
          else
            ok = false;
        }
      };
      flag("allow_root", t.allow_root);
      flag("from_scrape", t.from_scrape);
      auto widest = [&](const char* key_name, int min, int max, int& out_prefix) {
        if (auto f = r.get(spec, key_name, key_name); f.IsDefined()) {
          if (auto x = r.integer(f, where + "." + key_name, min, max))
            out_prefix = static_cast<int>(*x);
          else
            ok = false;
        }
      };
      widest("widest_v4", io::kMinPrefixV4, 32, t.widest_v4);
      widest("widest_v6", io::kMinPrefixV6, 128, t.widest_v6);
    } else {
      ok = false;
    }
    out[name] = std::move(t);
  }
  if (!ok) return std::nullopt;
  return out;
}

// Every label an action uses has a type: an undeclared one is a plain value (no list, no way out
// of a directory, no option), said once as a warning so that the operator declares what it
// really is. A declared one
// that no action uses is said too: a typo would leave the real one a name.
void checkLabelUses(YamlReader& r, const yaml::Node& n, const Playbook& p) {
  std::set<std::string> used;
  for (const auto& a : p.actions) {
    auto names = labelsUsed(a.with);
    used.insert(names.begin(), names.end());
  }
  for (const auto& name : used) {
    if (!p.label_types.count(name))
      r.warn(n, "playbook " + p.name + ": label " + name +
                    " is used by its actions but has no type: it must be a plain value (no ',', "
                    "no '..', not starting with '-'); declare it under label_types (" +
                    labelKindNames() + ")");
  }
  for (const auto& [name, t] : p.label_types) {
    if (!used.count(name))
      r.warn(n, "playbook " + p.name + ": label_types." + name + " is used by no action");
  }
}

// One playbook map. Errors go to the reader; nullopt if there was any.
// Severity, category and description: how the incident is classed and described.
bool readClassification(YamlReader& r, const yaml::Node& n, const std::string& w, Playbook& p) {
  bool ok = true;
  auto fail = [&] { ok = false; };
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
  return ok;
}

// when, for, resolve_when, escalate_when, escalate_to: when an incident opens, resolves and
// escalates.
bool readConditions(YamlReader& r, const yaml::Node& n, const std::string& w,
                    const MetricLookup& metrics, Playbook& p) {
  bool ok = true;
  auto fail = [&] { ok = false; };
  bool has_when = false;
  for (const auto& kv : n.entries()) has_when = has_when || kv.first.Scalar() == "when";
  if (auto v = r.get(n, "when", "when"); v.IsDefined()) {
    if (auto c = readCondition(r, v, w + ": when", metrics)) {
      p.application_labels = c->looksAtApplicationMetrics();
      p.when = std::move(*c);
    } else {
      fail();
    }
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
  return ok;
}

// verify: what must hold after the actions for the incident to count as recovered.
bool readVerify(YamlReader& r, const yaml::Node& n, const std::string& w,
                const MetricLookup& metrics, Playbook& p) {
  bool ok = true;
  auto fail = [&] { ok = false; };
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
  return ok;
}

// actions: the steps, each with a unique id and an optional only_if.
bool readActions(YamlReader& r, const yaml::Node& n, const std::string& w,
                 const MetricLookup& metrics, ActionCatalog actions,
                 const std::string& secret_reader, Playbook& p) {
  bool ok = true;
  auto fail = [&] { ok = false; };
  if (auto v = r.get(n, "actions", "actions"); v.IsDefined()) {
    if (!v.IsSequence()) {
      r.error(v, w + ": actions must be a list");
      fail();
    } else {
      std::map<std::string, SourcePos> ids;
      int i = 0;
      for (const auto& item : v.items()) {
        std::string where = w + ": actions[" + std::to_string(i++) + "]";
        auto a = readAction(r, item, where, actions, secret_reader);
        if (!a) {
          fail();
          continue;
        }
        if (auto c = r.get(item, "only_if", where + ".only_if"); c.IsDefined()) {
          auto cond = readCondition(r, c, where + ".only_if", metrics);
          if (!cond) {
            fail();
            continue;
          }
          a->only_if = std::move(*cond);
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
  return ok;
}

// limits: the cooldown and the runs per hour.
bool readLimits(YamlReader& r, const yaml::Node& n, const std::string& w, Playbook& p) {
  bool ok = true;
  auto fail = [&] { ok = false; };
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
  return ok;
}

std::optional<Playbook> readPlaybook(YamlReader& r, const yaml::Node& n,
                                     const MetricLookup& metrics, ActionCatalog actions,
                                     bool builtin, const std::string& secret_reader) {
  static const std::initializer_list<std::string_view> kFields = {
      "name",   "severity", "category",     "description",   "enabled",
      "when",   "for",      "resolve_when", "escalate_when", "escalate_to",
      "verify", "actions",  "limits",       "labels",        "label_types"};
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

  if (auto v = r.get(n, "enabled", "enabled"); v.IsDefined()) {
    if (auto b = r.boolean(v, w + ": enabled"))
      p.enabled = *b;
    else
      fail();
  }
  // `{name: x, enabled: false}` only switches a playbook off; it needs nothing else.
  if (!p.enabled && n.size() == 2) return p;

  if (!readClassification(r, n, w, p)) fail();
  if (!readConditions(r, n, w, metrics, p)) fail();
  if (!readVerify(r, n, w, metrics, p)) fail();
  if (!readActions(r, n, w, metrics, actions, secret_reader, p)) fail();
  if (!readLimits(r, n, w, p)) fail();
  if (auto v = r.get(n, "labels", "labels"); v.IsDefined()) {
    if (auto m = r.stringMap(v, w + ": labels"))
      p.labels = *m;
    else
      fail();
  }
  if (auto v = r.get(n, "label_types", "label_types"); v.IsDefined()) {
    if (auto t = readLabelTypes(r, v, w))
      p.label_types = std::move(*t);
    else
      fail();
  }
  if (!ok) return std::nullopt;
  checkLabelUses(r, n, p);
  return p;
}

}  // namespace

std::set<std::string> Playbook::metrics() const {
  std::set<std::string> names;
  auto add = [&](const Condition& c) {
    for (auto& m : c.metrics()) names.insert(std::move(m));
  };
  for (const auto* c : {&when, &resolve_when, &escalate_when}) {
    if (*c) add(**c);
  }
  for (const auto& c : verify.mandatory) add(c);
  return names;
}

const Playbook* PolicySet::find(std::string_view name) const {
  for (const auto& p : playbooks) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     ActionCatalog actions, Diagnostics& errors) {
  return parsePlaybooks(source, metrics, actions, errors, nullptr);
}

std::vector<Playbook> parsePlaybooks(const PlaybookSource& source, const MetricLookup& metrics,
                                     ActionCatalog actions, Diagnostics& errors,
                                     Diagnostics* warnings, const std::string& secret_reader) {
  YamlReader r(source.file, errors, warnings);
  std::vector<Playbook> out;
  auto doc = r.load(source.text);
  if (!doc || doc->IsNull()) return out;
  if (doc->IsMap()) {
    if (auto p = readPlaybook(r, *doc, metrics, actions, source.builtin, secret_reader))
      out.push_back(std::move(*p));
  } else if (doc->IsSequence()) {
    for (const auto& item : doc->items()) {
      if (auto p = readPlaybook(r, item, metrics, actions, source.builtin, secret_reader))
        out.push_back(std::move(*p));
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
  // The digest covers every text the policy was made of, in the order read: two nodes with the
  // same digest run the same playbooks (the fleet view compares them).
  Sha256 digest;
  auto digested = [&digest](const std::string& name, const std::string& text) {
    digest.update(name);
    digest.update(std::string_view("\0", 1));
    digest.update(std::to_string(text.size()));
    digest.update(std::string_view("\0", 1));
    digest.update(text);
  };
  for (const auto& src : builtins) {
    digested("builtin", src.text);
    add(parsePlaybooks(src, options.metrics, options.actions, load.errors, &load.warnings), false);
  }

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
        digested(f.filename().string(), *text);
        add(parsePlaybooks({f.string(), std::move(*text), false}, options.metrics, options.actions,
                           load.errors, &load.warnings, options.secret_reader),
            true);
      }
    }
  }
  if (!load.errors.empty()) return load;
  auto set = std::make_shared<PolicySet>();
  for (auto& [name, p] : by_name) set->playbooks.push_back(std::move(p));
  set->digest = "sha256:" + digest.hex();
  load.policy = std::move(set);
  return load;
}

}  // namespace novacron::policy
