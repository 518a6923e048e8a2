#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace novacron::policy {

/// How the values of placeholders are written into a template's text.
enum class Escape {
  kNone,        ///< as they are
  kJsonString,  ///< inside a JSON string: quotes, backslashes and control characters escaped;
                ///< a placeholder outside a JSON string is an error, so no value can add keys
  kFormValue,   ///< percent-encoded, for an application/x-www-form-urlencoded body
};

/// Fills `{incident.id}`, `{incident.playbook}`, `{labels.mount}`… inside one argument. The
/// result stays one argument whatever the values hold (spaces, quotes, `;`): there is no shell to
/// split or interpret it. `{{` and `}}` stand for literal braces. An unknown name is an error, so
/// a typo fails the action instead of running it with an empty argument. Values are made valid
/// UTF-8 (except with Escape::kNone, which keeps them byte for byte: a path must stay the path).
Result<std::string> substitute(const std::string& templ,
                               const std::map<std::string, std::string>& values,
                               Escape escape = Escape::kNone);

/// A program's argv from its templates, one argument each. Values come from data the host's
/// users control (a process name, a mount point, a database name), so a value must never become
/// an option: an argument whose text starts with '-' only because of a placeholder is refused,
/// unless an earlier argument is "--" (after which programs take no options). A value holding a
/// NUL byte is refused too (exec would cut the argument there).
Result<std::vector<std::string>> substituteArgv(const std::vector<std::string>& templates,
                                                const std::map<std::string, std::string>& values);

/// For --check-config: the positions (from 1) of argv templates that start with a `{labels.*}`
/// placeholder with no "--" before them, which substituteArgv() refuses whenever the value starts
/// with '-'.
std::vector<size_t> optionLikeArguments(const std::vector<std::string>& templates);

/// Whether a body template is JSON: it starts with `{{` (a literal brace) or `[`. Such a body is
/// filled with Escape::kJsonString whatever its Content-Type says.
bool looksLikeJson(const std::string& body);

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
