#include "broker/run_request.h"

#include <algorithm>

#include "actions/action.h"
#include "actions/registry.h"
#include "base/text.h"

namespace novacron::broker {

namespace {

Error refused(std::string why) { return makeError(ErrorCode::kPermission, std::move(why)); }

// Names a file (the evidence bundle's) and appears in logs: plain characters only.
bool plainId(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/';
  });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ", \"" : "\"") + escapeControl(i) + "\"";
  return out + "]";
}

// The items the agent sent for `field` (FIELD=ITEM entries, in order).
std::vector<std::string> askedFor(const Message& asked, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& e : asked.list(Tag::kExpect)) {
    size_t eq = e.find('=');
    if (eq != std::string::npos && std::string_view(e).substr(0, eq) == field)
      out.push_back(e.substr(eq + 1));
  }
  return out;
}

// The first way in which the agent's expectation differs from the broker's, in words.
std::optional<std::string> difference(const Message& asked, const actions::Expectation& own) {
  size_t known = 0;
  for (const auto& e : own) {
    const auto items = askedFor(asked, e.field);
    known += items.size();
    if (items == e.items) continue;
    switch (e.compare) {
      case actions::Expected::Compare::kOne:
        return e.field + " " + escapeControl(items.empty() ? "" : items.front()) +
               " is not the one the action names (" +
               escapeControl(e.items.empty() ? "" : e.items.front()) + ")";
      case actions::Expected::Compare::kSubset:
        // Name the first item the policy does not list: what a reader of the timeline looks for.
        for (const auto& i : items) {
          if (std::find(e.items.begin(), e.items.end(), i) == e.items.end())
            return e.field + " " + escapeControl(i) + " is not in the action's list";
        }
        [[fallthrough]];
      case actions::Expected::Compare::kSequence:
        return e.field + " " + joined(items) + " differs from the policy's " + joined(e.items);
    }
  }
  if (known != asked.list(Tag::kExpect).size())
    return "the request expects something the action does not do";
  return std::nullopt;
}

}  // namespace

Result<Message> runRequest(const actions::ActionRequest& request) {
  const actions::ActionType* type = actions::findActionType(request.spec.type);
  if (!type || !type->needsRoot())
    return makeError(ErrorCode::kInvalidArgument,
                     "the broker does not run " + request.spec.type + " actions");
  Message m;
  m.verb = Verb::kRunAction;
  m.text[Tag::kPlaybook] = request.playbook;
  m.text[Tag::kAction] = request.spec.id;
  m.text[Tag::kType] = request.spec.type;
  m.text[Tag::kIncident] = request.incident_id;
  m.number[Tag::kRun] = static_cast<uint64_t>(request.run_id);
  if (!request.marker.empty()) m.text[Tag::kMarker] = request.marker;
  for (const auto& [name, value] : request.values)
    m.lists[Tag::kValue].push_back(name + "=" + value);
  auto expected = type->expect(request.spec.with, request.values);
  if (!expected) return expected.error();
  for (const auto& e : *expected) {
    for (const auto& item : e.items) m.lists[Tag::kExpect].push_back(e.field + "=" + item);
  }
  return m;
}

Result<actions::ActionRequest> authorize(const policy::PolicySet& policy, const Message& m) {
  const std::string playbook(m.get(Tag::kPlaybook).value_or(""));
  const std::string action(m.get(Tag::kAction).value_or(""));
  const policy::Playbook* p = policy.find(playbook);
  if (!p) return refused("the broker's policy has no playbook " + escapeControl(playbook));
  if (!p->enabled) return refused("playbook " + playbook + " is disabled in the broker's policy");
  auto a = std::find_if(p->actions.begin(), p->actions.end(),
                        [&](const policy::ActionSpec& s) { return s.id == action; });
  if (a == p->actions.end())
    return refused("playbook " + playbook + " has no action " + escapeControl(action));
  const std::string type(m.get(Tag::kType).value_or(""));
  if (a->type != type)
    return refused("action " + playbook + "/" + action + " is of type " + a->type + ", not " +
                   escapeControl(type));
  const actions::ActionType* t = actions::findActionType(a->type);
  if (!t || !t->needsRoot())
    return refused("action " + playbook + "/" + action + " is of type " + a->type +
                   ", which the main process runs itself");
  actions::ActionRequest r;
  r.playbook = playbook;
  r.spec = *a;
  r.incident_id = std::string(m.get(Tag::kIncident).value_or(""));
  if (!plainId(r.incident_id, 200) || r.incident_id.find('/') != std::string::npos)
    return refused("incident id '" + escapeControl(r.incident_id) + "' is not a plain name");
  r.run_id = static_cast<int64_t>(m.num(Tag::kRun).value_or(0));
  if (r.run_id <= 0) return refused("run id must be positive");
  r.marker = std::string(m.get(Tag::kMarker).value_or(""));
  if (!r.marker.empty() && !plainId(r.marker, 100))
    return refused("marker '" + escapeControl(r.marker) + "' is not a plain name");
  for (const auto& item : m.list(Tag::kValue)) {
    size_t eq = item.find('=');
    std::string name = item.substr(0, eq);
    if (!plainId(name, 200) || name.find('/') != std::string::npos)
      return refused("value name '" + escapeControl(name) + "' is not a placeholder's");
    if (!r.values.emplace(name, item.substr(eq + 1)).second)
      return refused("value " + name + " given twice");
  }
  auto own = t->expect(r.spec.with, r.values);
  if (!own)
    return refused("the values cannot fill " + playbook + "/" + action + ": " +
                   own.error().message);
  // The labels against the types of the broker's own copy of the playbook, whatever the agent
  // checked: a value that would carry a list, leave a directory or widen a block is refused here.
  if (auto fit = actions::checkLabels(*p, r.spec, r.values, false); !fit)
    return refused("the values do not fit " + playbook + "/" + action + ": " + fit.error().message);
  if (auto d = difference(m, *own)) return refused(*d);
  return r;
}

}  // namespace novacron::broker
