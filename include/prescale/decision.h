// Decision: what a policy wants done with a group, and why.
//
// Every decision carries a Reason (an enum, stable and machine-readable, as
// Kubernetes' HPA condition reasons are) and a human sentence. The reason reaches
// the decisions file, the logs, the HTTP API and the plots.
#pragma once

#include <string_view>

namespace prescale {

enum class Action { kHold, kScaleUp, kScaleDown };

enum class Reason {
  kWithinTolerance,      // the metric is close enough to target: hold
  kScaleUp,              // load (measured or forecast) needs more instances
  kScaleDown,            // fewer instances suffice
  kForecast,             // predictive sizing for the forecast peak set the size
  kReactiveFloor,        // the load now needs more than the forecast said
  kCooldown,             // an action is due but the cooldown has not passed
  kAtMaximum,            // more are needed but the group is at max
  kAtMinimum,            // fewer would do but the group is at min
  kScaleUpLimited,       // the scale-up rate limit capped the step
  kStabilized,           // scale-in held back by the stabilisation window
  kAwaitingConsecutive,  // scale-in waits for more consecutive signals
  kMixedPredictions,     // scale-in signals were not consistent
  kMissingData,          // metrics missing: hold, never scale in
  kAnomaly,              // an anomaly is active: no scale-in
  kWarmingUp,            // not enough history yet for the forecaster
  kActuatorError,        // the actuator could not describe or resize the group: hold
  kBackingOff,           // a recent action failed: waiting before the next attempt
  kClassifierFallback,   // the demand classifier failed: the fallback policy decided
};

std::string_view ReasonName(Reason r);   // "ScaleUp", "Cooldown", ...
std::string_view ActionName(Action a);   // "hold", "scale_up", "scale_down"

struct Decision {
  int desired = 0;  // the size the group should have, within its limits
  Action action = Action::kHold;
  Reason reason = Reason::kWithinTolerance;
  // A sentence for people. Points at static text, so deciding never allocates;
  // the numbers behind it travel in `recommendation` and the step record.
  std::string_view message;
  // What the policy's arithmetic asked for before rules (rate limits, cooldowns,
  // stabilisation, clamps) were applied. For explanations.
  double recommendation = 0;
  // The forecast model that sized the group ("holt-winters daily", "naive", ...),
  // when a forecast did, and how its forecast became a size ("forecast x
  // headroom", ...): static text.
  std::string_view model = {};
  std::string_view sizing = {};
};

// Sets action from the desired and current sizes.
inline Action ActionFor(int desired, int current) {
  return desired > current ? Action::kScaleUp
                           : (desired < current ? Action::kScaleDown : Action::kHold);
}

}  // namespace prescale
