#include "prescale/decision.h"

namespace prescale {

std::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kWithinTolerance: return "WithinTolerance";
    case Reason::kScaleUp: return "ScaleUp";
    case Reason::kScaleDown: return "ScaleDown";
    case Reason::kForecast: return "Forecast";
    case Reason::kReactiveFloor: return "ReactiveFloor";
    case Reason::kCooldown: return "Cooldown";
    case Reason::kAtMaximum: return "AtMaximum";
    case Reason::kAtMinimum: return "AtMinimum";
    case Reason::kScaleUpLimited: return "ScaleUpLimited";
    case Reason::kStabilized: return "Stabilized";
    case Reason::kAwaitingConsecutive: return "AwaitingConsecutive";
    case Reason::kMixedPredictions: return "MixedPredictions";
    case Reason::kMissingData: return "MissingData";
    case Reason::kAnomaly: return "Anomaly";
    case Reason::kWarmingUp: return "WarmingUp";
    case Reason::kActuatorError: return "ActuatorError";
    case Reason::kBackingOff: return "BackingOff";
    case Reason::kClassifierFallback: return "ClassifierFallback";
  }
  return "Unknown";
}

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kHold: return "hold";
    case Action::kScaleUp: return "scale_up";
    case Action::kScaleDown: return "scale_down";
  }
  return "unknown";
}

}  // namespace prescale
