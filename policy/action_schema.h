#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace novacron::policy {

// What a playbook may say about an action type: the parameters it takes under `with`, checked by
// the loader (a typo fails --check-config instead of being ignored at 3 a.m.). The types
// themselves are declared once, with their runners, in actions/registry.cpp; the loader gets
// them as an ActionCatalog, so that policy does not depend on the actions that implement them.

enum class Param { kString, kStringList, kStringMap, kBool, kDuration, kInt };

/// Beyond its type, a closer look at a parameter's value.
enum class Check {
  kNone,
  kTemplate,     ///< every string may hold {placeholders}, which must be known
  kProgram,      ///< argv: an absolute, executable program first; then templates
  kUrl,          ///< an http:// or https:// URL
  kSecretFiles,  ///< header name -> a file that exists, readable, 0600 when root
  kHeaders,      ///< header name -> a template; names are HTTP tokens
  kUnit,         ///< a systemd unit name (or a template)
  kNotifyTemplate,
  kJsonBody,      ///< a template; in a JSON body (Content-Type JSON) placeholders stand in strings
  kRedisCommand,  ///< one of the recovery commands of io/redis/recovery_commands.h
};

struct ParamSpec {
  std::string_view name;
  Param kind;
  bool required;
  Check check = Check::kNone;
  std::string_view note = {};  ///< its default or its form, for the reference table
};

struct ActionSchema {
  std::string_view type;
  std::string_view summary;  ///< one sentence, for --list-actions and the README
  std::vector<ParamSpec> params;
  bool starts_process = false;  ///< `resources:` apply to it
  bool ends_incident = false;   ///< it hands the incident over (escalate)
};

/// Every action type, in one place (actions/registry.cpp).
using ActionCatalog = std::span<const ActionSchema>;

const ActionSchema* findActionSchema(ActionCatalog catalog, std::string_view type);

/// A systemd unit name with its type suffix, and nothing that could pass for an option.
bool isUnitName(std::string_view unit);

}  // namespace novacron::policy
