// `predictive`: prescale's default policy. Sizes the group now for the load it will
// have when instances launched now are ready, and learns its own headroom from how
// often it has been short.
//
// Each decision:
//   1. Horizon H = ceil(boot_delay / interval) + 1 steps: an instance launched now
//      serves from step 1 + boot_steps, and a removal takes effect at step 1.
//   2. Predictive need: the max over steps 1..H of the forecast's upper quantile,
//      times the learned headroom, at the target utilisation.
//   3. Reactive floor: the load now at the target utilisation (as PHPA and Crane
//      do, the decision is the max of predictive and reactive), so a poor forecast
//      or a cold start can never size below what is needed this minute.
//   4. Scale in conservatively: the max of the needs of the stabilisation window,
//      never on missing data, never during an anomaly.
//
// Headroom (SLO-driven): after each interval the policy sees whether the group was
// short (demand > ready). The log-headroom moves by gamma * (short - alpha), where
// alpha is the share of time the SLO allows short (slo_underprovision_pct, with a
// safety factor). This is adaptive conformal inference (Gibbs & Candes, NeurIPS
// 2021): whatever the forecaster's errors, the long-run share of short intervals is
// driven to alpha, on any workload, without per-trace constants.
#pragma once

#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

struct PredictiveConfig {
  double target_utilization = 1.0;   // of an instance's SLO capacity
  double slo_underprovision_pct = 1.0;
  double quantile = 0.9;             // forecast upper quantile to provision for
  double adapt_rate = 0.05;          // gamma, on the log-headroom
  double initial_headroom = 1.1;
  double min_headroom = 0.7;
  double max_headroom = 4.0;
  Duration scale_in_stabilization{300};
  int horizon_steps = 4;             // derived from boot delay and interval
  Duration interval{60};
};

class PredictivePolicy final : public Policy {
 public:
  explicit PredictivePolicy(PredictiveConfig config) : config_(config) {}
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "predictive"; }
  PolicyNeeds Needs() const override;
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

 private:
  PredictiveConfig config_;
};

}  // namespace prescale::policy
