#include "policy/notify_templates.h"

#include <array>
#include <utility>

namespace novacron::policy {
namespace {

constexpr std::string_view kInitialAlert =
    R"(Subject: [NovaCron] SEV-{incident.severity} {incident.playbook} on {node.id}

We are investigating: {incident.description}.

Impact: {incident.category} incident, severity SEV-{incident.severity}
Affected host: {node.id} ({node.labels})
Start time: {incident.opened_at}
Status: investigating; automated recovery is {incident.state}
Incident: {incident.id}

Updates follow every 30 minutes until the incident is resolved.
)";

constexpr std::string_view kUpdate =
    R"(Subject: [NovaCron] Update: {incident.playbook} on {node.id}

{incident.description}: {incident.state}.

Start time: {incident.opened_at}
Actions so far: {incident.actions}
Incident: {incident.id}
)";

constexpr std::string_view kResolution =
    R"(Subject: [NovaCron] Resolved: {incident.playbook} on {node.id}

The incident "{incident.description}" on {node.id} has been resolved.

Resolution time: {incident.resolved_at} (after {incident.duration})
Root cause: under investigation; see the post-mortem
Actions taken: {incident.actions}
Incident: {incident.id}

A post-mortem will be available within 48 hours.
)";

constexpr std::string_view kEscalation =
    R"(Subject: [NovaCron] Escalation: SEV-{incident.severity} {incident.playbook} on {node.id} is not acknowledged

{incident.description}.

Escalated to: {incident.reason}
Start time: {incident.opened_at}
State: {incident.state}
Actions so far: {incident.actions}
Incident: {incident.id}
)";

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kTemplates = {{
    {"initial_alert", kInitialAlert},
    {"update", kUpdate},
    {"resolution", kResolution},
    {"escalation", kEscalation},
}};

}  // namespace

std::optional<std::string_view> notifyTemplate(std::string_view name) {
  for (const auto& [n, t] : kTemplates) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool isNotifyTemplate(std::string_view name) { return notifyTemplate(name).has_value(); }

std::string notifyTemplateNames() {
  std::string out;
  for (const auto& [n, t] : kTemplates) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace novacron::policy
