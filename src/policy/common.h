// Arithmetic and rules that several policies share. Free functions over plain data,
// as in Kubernetes' replica_calculator.go, so each rule is tested once.
#pragma once

#include <cmath>
#include <optional>
#include <string_view>

#include "prescale/decision.h"
#include "prescale/observation.h"
#include "prescale/policy.h"

namespace prescale::policy {

// Sizes beyond this are absurd (a load of 1e300/s); arithmetic on them saturates
// here rather than overflowing an int.
inline constexpr int kMaxCount = 1'000'000'000;

// ceil() that forgives floating-point noise: 3.0000000001 -> 3, not 4. Saturates at
// +-kMaxCount; NaN (no size at all) is 0.
inline int CeilCount(double x) {
  const double t = x - 1e-9;
  if (!(t > -kMaxCount)) return std::isnan(t) ? 0 : -kMaxCount;
  if (!(t < kMaxCount)) return kMaxCount;
  // ceil() on an int conversion: x86-64's baseline has no rounding instruction, and
  // std::ceil's stand-in costs more than the rest of a candidate's sizing.
  const int n = static_cast<int>(t);  // toward zero
  return t > n ? n + 1 : n;
}

// Above this a metric is absurd in any unit prescale uses (1e15 requests/s, or
// bytes/s per instance): a broken exporter, not a measurement. Keeping it out
// also keeps running sums finite (one 1e308 would make them infinite for good).
inline constexpr double kMaxMetric = 1e15;

// A metric a policy may size on: present, finite, not negative and not absurd.
// Anything else is missing data, on which no policy scales in (policy.h).
inline std::optional<double> Usable(const std::optional<double>& v) {
  if (v && *v >= 0 && *v <= kMaxMetric) return v;
  return std::nullopt;
}

// Instances needed to serve `load_per_s` at `utilization` of each instance's
// capacity. At least 1. REQUIRES: capacity_per_instance > 0, utilization > 0.
inline int InstancesFor(double load_per_s, double capacity_per_instance, double utilization) {
  int n = CeilCount(load_per_s / (capacity_per_instance * utilization));
  return n < 1 ? 1 : n;
}

// Finishes a decision: clamps `desired` to the limits, and when the clamp bit,
// replaces the reason with AtMaximum / AtMinimum. Sets the action.
Decision Finish(Decision d, int current, const Limits& limits);

// Keeps the group's size, for `reason`. A group outside its limits is still brought
// within them (limits are hard, as an ASG's are), with the clamp's reason.
Decision Hold(const PolicyInput& in, Reason reason, std::string_view message);

// The rule every policy keeps on top of its own arithmetic: no scale-in while an
// anomaly is active. Returns true and rewrites `d` into a hold when it refused.
bool RefuseUnsafeScaleIn(Decision& d, const PolicyInput& in);

// A policy's state type: CopyFrom() is the plain copy of the derived struct.
template <class Derived>
struct StateBase : PolicyState {
  void CopyFrom(const PolicyState& other) override {
    static_cast<Derived&>(*this) = static_cast<const Derived&>(other);
  }
};

}  // namespace prescale::policy
