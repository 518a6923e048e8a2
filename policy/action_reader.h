#pragma once

#include <optional>
#include <string>

#include "base/yaml/yaml_reader.h"
#include "policy/action_schema.h"
#include "policy/playbook.h"

// The playbook loader's reading of one action: its type from the catalog, its parameters
// checked against the type's schema, its resources and approval. Internal to policy/.
namespace novacron::policy {

/// Playbook and action names: lower-case letters, digits and '_', starting with a letter.
bool validName(const std::string& s);

/// One entry of a playbook's `actions`; errors go to the reader, nullopt if there was any.
/// Its `only_if` is a condition, which the playbook loader reads (it knows the metrics).
/// `secret_reader`: the user who must be able to read the secret files it names (as root, the
/// user the agent drops to; empty: not checked).
std::optional<ActionSpec> readAction(YamlReader& r, const yaml::Node& n, const std::string& where,
                                     ActionCatalog actions, const std::string& secret_reader);

}  // namespace novacron::policy
