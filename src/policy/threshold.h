// `threshold`: seed 1's rule. Predicted CPU above 75 % -> +1, below 25 % -> -1,
// otherwise hold. The prediction is the forecaster's one-step-ahead CPU (seed 1 uses
// linear regression over recent samples), or the measured CPU while it warms up.
#pragma once

#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

struct ThresholdConfig {
  double scale_up_above_pct = 75;
  double scale_down_below_pct = 25;
  int step = 1;                 // instances added or removed per action
  Duration cooldown{0};         // seed 1 has none
};

class ThresholdPolicy final : public Policy {
 public:
  explicit ThresholdPolicy(ThresholdConfig config) : config_(config) {}
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "threshold"; }
  PolicyNeeds Needs() const override;
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

 private:
  ThresholdConfig config_;
};

}  // namespace prescale::policy
