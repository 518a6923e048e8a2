// validation: the host's recovery criteria, each {name, condition, mandatory}.
#include <set>

#include "agent/config/config_readers.h"
#include "policy/condition.h"

namespace novacron::agent {

void readValidation(YamlReader& r, const yaml::Node& n, Config& c) {
  if (!n.IsSequence()) {
    r.error(n, "validation must be a list of {name, condition, mandatory}");
    return;
  }
  std::vector<Config::ValidationItem> items;
  std::set<std::string> names;
  bool ok = true;
  for (size_t i = 0; i < n.items().size(); ++i) {
    const yaml::Node& v = n.items()[i];
    std::string where = "validation[" + std::to_string(i) + "]";
    if (!r.checkMap(v, where, {"name", "condition", "mandatory"})) {
      ok = false;
      continue;
    }
    Config::ValidationItem item;
    auto name = r.get(v, "name", where + ".name");
    auto cond = r.get(v, "condition", where + ".condition");
    if (!name.IsDefined() || !cond.IsDefined()) {
      r.error(v, where + " needs a name and a condition");
      ok = false;
      continue;
    }
    auto s = r.string(name, where + ".name");
    auto text = r.string(cond, where + ".condition");
    if (!s || !text) {
      ok = false;
      continue;
    }
    if (s->empty() || s->size() > 40 || !names.insert(*s).second) {
      r.error(name, where + ".name '" + *s + "' must be 1 to 40 characters and not used twice");
      ok = false;
    }
    item.name = *s;
    item.condition = *text;
    item.file = r.file();
    item.line = cond.mark().line + 1;
    item.column = cond.mark().column + 1 + (cond.quoted() ? 1 : 0);
    // The syntax now, with its column; the metric names once the catalog is known.
    auto parsed = policy::Condition::parse(*text);
    if (auto* errs = std::get_if<std::vector<policy::ConditionError>>(&parsed)) {
      for (const auto& e : *errs) {
        yaml::Mark at = cond.mark();
        if (text->find('\n') == std::string::npos)
          at.column += (cond.quoted() ? 1 : 0) + e.column - 1;
        r.error(at, where + ".condition: " + e.message);
      }
      ok = false;
    }
    if (auto m = r.get(v, "mandatory", where + ".mandatory"); m.IsDefined()) {
      if (auto b = r.boolean(m, where + ".mandatory"))
        item.mandatory = *b;
      else
        ok = false;
    }
    items.push_back(std::move(item));
  }
  if (ok) c.validation = std::move(items);
}

}  // namespace novacron::agent
