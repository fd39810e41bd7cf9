// `target-tracking`: AWS EC2 Auto Scaling target tracking, as its documentation
// describes the alarms it creates for a policy:
//
//   - scale out when utilisation has been above the target for 3 consecutive
//     minutes (the "AlarmHigh" of 3 one-minute datapoints), in proportion:
//     desired = ceil(current * utilisation / target);
//   - scale in when it has been below 90 % of the target for 15 consecutive minutes
//     (the "AlarmLow"), gradually: at most 10 % of the group (and at least 1)
//     per action;
//   - scale in waits out a cooldown after any action (300 s by default); scale out
//     does not wait.
//
// Utilisation is load / (ready * capacity) with `metric: load` (the default; it can
// read above 100 %), or the measured CPU with `metric: cpu`.
#pragma once

#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

struct TargetTrackingConfig {
  bool use_cpu = false;
  double target_utilization = 0.6;
  int scale_out_datapoints = 3;   // consecutive intervals above target
  int scale_in_datapoints = 15;   // consecutive intervals below the scale-in line
  double scale_in_ratio = 0.9;    // the scale-in line, as a fraction of the target
  double scale_in_max_percent = 10;
  Duration scale_in_cooldown{300};
};

class TargetTrackingPolicy final : public Policy {
 public:
  explicit TargetTrackingPolicy(TargetTrackingConfig config) : config_(config) {}
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "target-tracking"; }
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

 private:
  TargetTrackingConfig config_;
};

}  // namespace prescale::policy
