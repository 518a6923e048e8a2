#include "broker/run_request.h"

#include <algorithm>

#include "actions/action.h"
#include "actions/action_runners.h"
#include "base/text.h"
#include "policy/action_schema.h"
#include "policy/substitute.h"

namespace novacron::broker {

using json = nlohmann::json;

namespace {

struct Route {
  std::string_view type;
  Verb verb;
};
constexpr Route kRoutes[] = {{"exec", Verb::kStartRun},
                             {"systemd_restart", Verb::kRestartUnit},
                             {"evidence_bundle", Verb::kOpenEvidence},
                             {"firewall_block", Verb::kBlock},
                             {"firewall_unblock", Verb::kUnblock}};

Error refused(std::string why) { return makeError(ErrorCode::kPermission, std::move(why)); }

// Names a file (the evidence bundle's) and appears in logs: plain characters only.
bool plainId(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '/';
  });
}

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& v : list) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// What a run of `spec` with `values` is expected to do, as the fields of its request.
Result<void> expectations(Verb verb, const policy::ActionSpec& spec,
                          const std::map<std::string, std::string>& values, Message& m) {
  const json& with = spec.with;
  switch (verb) {
    case Verb::kStartRun: {
      auto argv = policy::substituteArgv(strings(with.value("argv", json::array())), values);
      if (!argv) return argv.error();
      m.lists[Tag::kArgv] = std::move(*argv);
      return {};
    }
    case Verb::kRestartUnit: {
      auto unit = policy::substitute(with.value("unit", std::string()), values);
      if (!unit) return unit.error();
      if (!policy::isUnitName(*unit))
        return makeError(ErrorCode::kInvalidArgument,
                         "'" + escapeControl(*unit) + "' is not a systemd unit name");
      m.text[Tag::kUnit] = std::move(*unit);
      return {};
    }
    case Verb::kOpenEvidence:
      m.lists[Tag::kPath] = strings(with.value("paths", json::array()));
      if (m.lists[Tag::kPath].empty()) m.lists.erase(Tag::kPath);
      return {};
    case Verb::kBlock:
    case Verb::kUnblock: {
      std::vector<std::string> addresses;
      for (const auto& t : strings(with.value("addresses", json::array()))) {
        auto a = policy::substitute(t, values);
        if (!a) return a.error();
        addresses.push_back(std::move(*a));
      }
      m.lists[Tag::kAddress] = std::move(addresses);
      if (verb == Verb::kBlock) {
        auto timeout = actions::firewallTimeout(with);
        if (!timeout) return timeout.error();
        m.number[Tag::kTimeout] = static_cast<uint64_t>(timeout->count()) * 1000;
      }
      return {};
    }
    default:
      return makeError(ErrorCode::kInvalidArgument, "not a verb that runs an action");
  }
}

std::string joined(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ", \"" : "\"") + escapeControl(i) + "\"";
  return out + "]";
}

// The first field in which the agent's expectation differs from the broker's, in words.
std::optional<std::string> difference(const Message& asked, const Message& own) {
  auto list = [&](Tag t, const char* what) -> std::optional<std::string> {
    if (asked.list(t) == own.list(t)) return std::nullopt;
    return std::string(what) + " " + joined(asked.list(t)) + " differs from the policy's " +
           joined(own.list(t));
  };
  if (auto d = list(Tag::kArgv, "argv")) return d;
  if (auto d = list(Tag::kPath, "paths")) {
    // Name the first path the policy does not list: what a reader of the timeline looks for.
    for (const auto& p : asked.list(Tag::kPath)) {
      const auto& mine = own.list(Tag::kPath);
      if (std::find(mine.begin(), mine.end(), p) == mine.end())
        return "path " + escapeControl(p) + " is not in the action's list";
    }
    return d;
  }
  if (auto d = list(Tag::kAddress, "addresses")) return d;
  if (asked.get(Tag::kUnit) != own.get(Tag::kUnit))
    return "unit " + escapeControl(std::string(asked.get(Tag::kUnit).value_or(""))) +
           " is not the one the action names (" +
           escapeControl(std::string(own.get(Tag::kUnit).value_or(""))) + ")";
  if (asked.num(Tag::kTimeout) != own.num(Tag::kTimeout)) return "the timeout differs";
  return std::nullopt;
}

}  // namespace

std::optional<Verb> verbFor(std::string_view type) {
  for (const auto& r : kRoutes) {
    if (r.type == type) return r.verb;
  }
  return std::nullopt;
}

Result<Message> runRequest(const actions::ActionRequest& request) {
  auto verb = verbFor(request.spec.type);
  if (!verb)
    return makeError(ErrorCode::kInvalidArgument,
                     "the broker does not run " + request.spec.type + " actions");
  Message m;
  m.verb = *verb;
  m.text[Tag::kPlaybook] = request.playbook;
  m.text[Tag::kAction] = request.spec.id;
  m.text[Tag::kIncident] = request.incident_id;
  m.number[Tag::kRun] = static_cast<uint64_t>(request.run_id);
  if (!request.marker.empty()) m.text[Tag::kMarker] = request.marker;
  for (const auto& [name, value] : request.values)
    m.lists[Tag::kValue].push_back(name + "=" + value);
  if (auto r = expectations(*verb, request.spec, request.values, m); !r) return r.error();
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
  if (verbFor(a->type) != m.verb)
    return refused("action " + playbook + "/" + action + " is of type " + a->type + ", not " +
                   std::string(verbName(m.verb)));
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
  Message own;
  own.verb = m.verb;
  if (auto e = expectations(m.verb, r.spec, r.values, own); !e)
    return refused("the values cannot fill " + playbook + "/" + action + ": " + e.error().message);
  // The labels against the types of the broker's own copy of the playbook, whatever the agent
  // checked: a value that would carry a list, leave a directory or widen a block is refused here.
  if (auto t = actions::checkLabels(*p, r.spec, r.values, false); !t)
    return refused("the values do not fit " + playbook + "/" + action + ": " + t.error().message);
  if (auto d = difference(m, own)) return refused(*d);
  return r;
}

}  // namespace novacron::broker
