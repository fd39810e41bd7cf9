#include "policy/common.h"

namespace prescale::policy {

Decision Finish(Decision d, int current, const Limits& limits) {
  int clamped = limits.Clamp(d.desired);
  if (clamped != d.desired) {
    if (d.desired > limits.max) {
      d.reason = Reason::kAtMaximum;
      d.message = "Already at maximum capacity";
    } else {
      d.reason = Reason::kAtMinimum;
      d.message = "Already at minimum capacity";
    }
    d.desired = clamped;
  }
  d.action = ActionFor(d.desired, current);
  return d;
}

Decision Hold(const PolicyInput& in, Reason reason, std::string_view message) {
  const int current = in.capacity.desired;
  return Finish(Decision{current, Action::kHold, reason, message, static_cast<double>(current)},
                current, in.limits);
}

bool RefuseUnsafeScaleIn(Decision& d, const PolicyInput& in) {
  if (d.desired >= in.capacity.desired || !in.anomaly.anomaly) return false;
  d = Hold(in, Reason::kAnomaly, "Anomaly active - not scaling in");
  return true;
}

}  // namespace prescale::policy
