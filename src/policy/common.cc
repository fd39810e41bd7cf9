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

bool RefuseUnsafeScaleIn(Decision& d, int current, bool data_missing,
                         const AnomalyResult& anomaly) {
  if (d.desired >= current) return false;
  if (data_missing) {
    d = Hold(current, Reason::kMissingData, "Metrics missing - holding, never scaling in");
  } else if (anomaly.anomaly) {
    d = Hold(current, Reason::kAnomaly, "Anomaly active - not scaling in");
  } else {
    return false;
  }
  return true;
}

}  // namespace prescale::policy
