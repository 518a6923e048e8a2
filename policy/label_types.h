#pragma once
// What a label may hold where a playbook's action uses it ({labels.NAME}): a playbook declares a
// type for each label in one place (`label_types:`), the loader checks every use, and the values
// are checked against the type before an incident opens by hand, before each run, and again by
// the root broker. Values come from people (a trigger's --label) and from series (a mount, an
// application's labels): a type keeps a value from carrying a list (`mallory,root`), a path
// out of its directory (`../x`) or a network wider than meant into what root does.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/pattern.h"
#include "base/result.h"

namespace novacron::policy {

enum class LabelKind {
  kPlain,          ///< the default for an undeclared label: no control character, no ',' (a
                   ///< list), no '..' component (a way out of a directory), not starting with '-'
  kName,           ///< letters, digits, '_', '-', '.'; not starting with '-' or '.'
  kUser,           ///< one user name of this host: never a list, never root unless allowed
  kPid,            ///< a process id, 2 or more (never init)
  kUnit,           ///< a systemd unit name
  kAddress,        ///< an IPv4 or IPv6 address, or a network no wider than allowed
  kPathComponent,  ///< one file name: no '/', not '.' or '..', not starting with '-'
  kPath,           ///< an absolute path with no '.' or '..' component and no empty one
  kText,           ///< any text without control characters (for notices, never arguments)
  kPattern,        ///< the whole value matches a regular expression
};

struct LabelType {
  LabelKind kind = LabelKind::kPlain;
  bool declared = false;     ///< false: the default for a label the playbook did not declare
  bool allow_root = false;   ///< kUser: root (uid 0) too
  int widest_v4 = 32;        ///< kAddress: the widest IPv4 network (32: one address)
  int widest_v6 = 128;       ///< kAddress: the widest IPv6 network
  bool from_scrape = false;  ///< may reach an action that needs root from an application's series
  std::string pattern_text;  ///< kPattern
  std::shared_ptr<const Pattern> pattern;
};

using LabelTypes = std::map<std::string, LabelType>;

/// The name of a kind as playbooks write it ("path_component").
std::string_view labelKindName(LabelKind kind);
/// The kinds, for messages: "name, user, pid, unit, address, path_component, path, text".
std::string labelKindNames();
std::optional<LabelKind> parseLabelKind(std::string_view name);

/// Every NAME of `{labels.NAME}` in an action's parameters (strings anywhere inside).
std::set<std::string> labelsUsed(const nlohmann::json& with);

/// The type `name` has in `types`, or the default (kPlain) when it was not declared.
const LabelType& labelTypeOf(const LabelTypes& types, const std::string& name);

/// Whether `value` fits `type`, by its text alone (no look-up on the host: whether a user exists
/// is the actions' to check). The error names the label and what it must be.
Result<void> checkLabelValue(const std::string& name, const LabelType& type,
                             std::string_view value);

}  // namespace novacron::policy
