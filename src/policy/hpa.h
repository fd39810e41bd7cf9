// `hpa`: the Kubernetes Horizontal Pod Autoscaler (autoscaling/v2) with its
// defaults, one sync per decision interval.
//
//   desired = ceil(current * metric / target), skipped within a 0.1 tolerance
//   scale-down stabilisation: the max of the recommendations of the last 300 s
//   scale-up limit: max(+100 %, +4 instances) per 15 s period
//   scale-down limit: -100 % per 15 s period (that is, none)
//   missing metrics: hold, never scale in
//
// It runs on CPU utilisation (`metric: cpu`, the usage ratio cpu / target over the
// ready instances) or on load per instance (`metric: load`, an AverageValue metric:
// desired = ceil(load / (capacity * target))). Sources: pkg/controller/podautoscaler
// (replica_calculator.go, horizontal.go: stabilizeRecommendationWithBehaviors,
// calculateScaleUpLimitWithScalingRules) and the HPA docs' "Algorithm details".
#pragma once

#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

enum class HpaMetric { kLoad, kCpu };

struct HpaConfig {
  HpaMetric metric = HpaMetric::kLoad;
  double target_utilization = 0.6;
  double tolerance = 0.1;
  Duration scale_down_stabilization{300};
  Duration scale_up_stabilization{0};
  double scale_up_percent = 100;  // per period
  int scale_up_instances = 4;     // per period
  Duration scale_up_period{15};
  Duration interval{60};          // the sync period: one recommendation per interval
};

class HpaPolicy final : public Policy {
 public:
  explicit HpaPolicy(HpaConfig config) : config_(config) {}
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "hpa"; }
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

  // The scale-up cap after one interval starting from `current`: the HPA's
  // max(+percent, +instances) rule, compounded over the periods in the interval.
  static int ScaleUpLimit(const HpaConfig& config, int current);

 private:
  HpaConfig config_;
};

}  // namespace prescale::policy
