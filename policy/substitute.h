#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/base/result.h"

namespace novacron::policy {

/// Fills `{incident.id}`, `{incident.playbook}`, `{labels.mount}`… inside one argument. The
/// result stays one argument whatever the values hold (spaces, quotes, `;`): there is no shell to
/// split or interpret it. `{{` and `}}` stand for literal braces. An unknown name is an error, so
/// a typo fails the action instead of running it with an empty argument.
Result<std::string> substitute(const std::string& templ,
                               const std::map<std::string, std::string>& values);

/// Every `{name}` a template refers to, or why the template is malformed (for --check-config).
Result<std::vector<std::string>> placeholders(const std::string& templ);

/// Whether an action template may use `{name}`: one of the incident's fields (incident.id,
/// incident.playbook, incident.severity, incident.category, incident.description,
/// incident.state, incident.opened_at, incident.resolved_at, incident.duration,
/// incident.actions, incident.reason), node.id, node.labels, or labels.NAME.
bool isIncidentPlaceholder(const std::string& name);
/// The list above, for error messages.
std::string incidentPlaceholderHelp();

}  // namespace novacron::policy
