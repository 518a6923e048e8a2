#include "incidents/incident_state.h"

#include <utility>

namespace novacron::incidents {
namespace {

// One table per state machine: the name is what the store's column and the API hold.
constexpr std::pair<IncidentState, std::string_view> kIncidentStates[] = {
    {IncidentState::kOpen, "open"},
    {IncidentState::kMitigating, "mitigating"},
    {IncidentState::kAwaitingApproval, "awaiting_approval"},
    {IncidentState::kVerifying, "verifying"},
    {IncidentState::kResolved, "resolved"},
    {IncidentState::kEscalated, "escalated"}};

constexpr std::pair<ApprovalState, std::string_view> kApprovalStates[] = {
    {ApprovalState::kPending, "pending"},
    {ApprovalState::kGranted, "granted"},
    {ApprovalState::kDenied, "denied"},
    {ApprovalState::kExpired, "expired"}};

template <class State, size_t N>
std::string_view nameIn(const std::pair<State, std::string_view> (&table)[N], State s) {
  for (const auto& [state, name] : table) {
    if (state == s) return name;
  }
  return "?";
}

template <class State, size_t N>
std::optional<State> parseIn(const std::pair<State, std::string_view> (&table)[N],
                             std::string_view text) {
  for (const auto& [state, name] : table) {
    if (name == text) return state;
  }
  return std::nullopt;
}

}  // namespace

std::string_view incidentStateName(IncidentState s) { return nameIn(kIncidentStates, s); }
std::optional<IncidentState> parseIncidentState(std::string_view text) {
  return parseIn(kIncidentStates, text);
}
std::string_view approvalStateName(ApprovalState s) { return nameIn(kApprovalStates, s); }
std::optional<ApprovalState> parseApprovalState(std::string_view text) {
  return parseIn(kApprovalStates, text);
}

}  // namespace novacron::incidents
