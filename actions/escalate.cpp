#include "actions/action_runners.h"

namespace novacron::actions {

// Hands the incident to people: the manager marks it escalated with this reason, and the
// coordinator and notifications carry it from there.
void runEscalate(const ActionEnv&, ActionRequest request, ActionDone done) {
  done({RunState::kDone,
        {{"message", request.spec.with.value("reason", std::string("handed over"))}}});
}

}  // namespace novacron::actions
