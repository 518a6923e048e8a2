#pragma once
// The states an incident and an approval pass through. Text only at the edges (the store's
// columns, the API's JSON, events, notices), through these names.
#include <optional>
#include <string_view>

namespace novacron::incidents {

enum class IncidentState {
  kOpen,              ///< opened; its first step not yet started
  kMitigating,        ///< a step runs, or waits for its turn (cooldown, the kill switch)
  kAwaitingApproval,  ///< a step waits for a human's approval
  kVerifying,         ///< the steps ran; recovery is being verified over its window
  kResolved,          ///< verified recovered (or the condition cleared)
  kEscalated,         ///< handed over to humans
};
std::string_view incidentStateName(IncidentState s);
std::optional<IncidentState> parseIncidentState(std::string_view text);

enum class ApprovalState { kPending, kGranted, kDenied, kExpired };
std::string_view approvalStateName(ApprovalState s);
std::optional<ApprovalState> parseApprovalState(std::string_view text);

}  // namespace novacron::incidents
