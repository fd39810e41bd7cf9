// `predictive`: prescale's default policy. Sizes the group now for the load it will
// have when instances launched now are ready, learns its own headroom from how often
// it has been short, and sizes with whichever way of forecasting has been cheapest
// on this workload while meeting the SLO.
//
// A candidate is one way of sizing: a forecast (a member of the forecaster's
// ensemble, forecast/ensemble.h: Holt-Winters with the season found, seasonal-naive,
// their median with the last value, recent-max or percentile; or the one forecaster
// configured) and a form of headroom on it. Each candidate decides every interval:
//   1. Horizon H = ceil(boot_delay / interval) + 1 steps: an instance launched now
//      serves from step 1 + boot_steps, and a removal takes effect at step 1.
//   2. Predictive need: the peak over steps 1..H of the forecast, with headroom,
//      at the target utilisation. The headroom is multiplicative (peak x h: errors
//      that grow with the load) or additive (peak + (h - 1) x the mean load: errors of
//      a steady size, and bursts far above a quiet level).
//   3. Reactive floor: never below the load now at the target utilisation (as PHPA
//      and Crane do, the decision is the max of predictive and reactive), so a poor
//      forecast or a cold start can never size below what is needed this minute.
//   4. Tolerance (Kubernetes HPA's, upwards only), for the candidates on a point
//      forecast: a need at most kScaleUpTolerance above the candidate's size, with
//      the load now served, is the size it has, and that is what its window
//      records. A point forecast moves with the load's noise; growing for a need one
//      instance up buys an instance that is ready H intervals on, after the noise
//      has passed, and that the window then holds. A real rise soon goes past it.
//   5. Scale in conservatively: the max of the needs of a stabilisation window (none,
//      or 900 s), never on missing data, never during an anomaly.
//
// Headroom (SLO-driven): after each interval the candidate sees whether it was short
// (load > ready x capacity). Its log-headroom moves by gamma x (short - alpha),
// where alpha is the share of time the SLO allows short (slo_underprovision_pct)
// times kAimFraction. This is adaptive conformal inference (Gibbs & Candes, NeurIPS
// 2021): whatever the forecaster's errors, the long-run share of short intervals is
// driven to alpha on any workload, without per-trace constants.
//
// Shadows. A candidate is short or not on its own decisions, not on the group's: the
// policy replays each candidate through the capacity model of DESIGN.md (ready at
// interval t = the least of its last H decisions, since a launch takes H intervals to
// serve and a removal takes effect at once). That is a rolling-origin backtest of
// every candidate on the live workload, so each has an exponentially weighted cost
// (instances held) and share of short intervals over the last kSelectionHalflife
// intervals.
//
// Choice. The group follows the cheapest candidate whose share of short intervals is
// within the SLO, switching only for a saving above kSwitchMargin, or when the one it
// follows leaves the SLO. That one is given the benefit of the doubt while the
// evidence is thin: it is credited with kSelectionHalflife intervals at its aim from
// before judging began, which age like judged ones (a few short intervals early on,
// one burst, do not send the group to a candidate three times dearer; the credit is
// half spent after a half-life). A candidate switched to must be within the SLO on
// its record alone. When none is within it and the one followed is not either,
// it follows the fewest short intervals (on spiky workloads, where no forecast sees
// the bursts coming, that is the percentile member, which holds their size). The
// first kBurnInSteps intervals only learn, and nothing is compared before
// kMinEvidence intervals more: until then the group follows candidate 0,
// Holt-Winters' upper quantile with multiplicative headroom and the configured
// stabilisation window, the sizing prescale used before it had candidates. The
// candidate followed also learns from the group's own shortfalls, which the model of
// the group may miss (an instance slower to boot than configured).
//
// Cost: O(candidates x (H + window)) per decision: 21 candidates with "auto" (5
// members), 11 where an interval is longer than the 900 s window (no stabilised twins).
#pragma once

#include <cstdint>
#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

struct PredictiveConfig {
  double target_utilization = 1.0;   // of an instance's SLO capacity
  double slo_underprovision_pct = 1.0;
  double quantile = 0.9;             // candidate 0's forecast upper quantile
  double adapt_rate = 0.05;          // gamma, on the log-headroom
  double initial_headroom = 1.1;
  double min_headroom = 0.7;
  double max_headroom = 50.0;
  Duration scale_in_stabilization{300};  // candidate 0's window
  bool candidates = true;            // false: candidate 0 only
  int horizon_steps = 4;             // derived from boot delay and interval
  Duration interval{60};
};

class PredictivePolicy final : public Policy {
 public:
  explicit PredictivePolicy(PredictiveConfig config);
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "predictive"; }
  PolicyNeeds Needs() const override;
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

  // Share of the SLO's allowance each candidate's headroom aims at: the rest absorbs
  // the cold start, the lag between a shortfall and the capacity that answers it,
  // and the switches between candidates.
  static constexpr double kAimFraction = 0.7;
  static constexpr double kSelectionHalflife = 2000;  // intervals
  static constexpr std::int64_t kBurnInSteps = 300;
  static constexpr double kMinEvidence = 100;  // intervals judged before a switch
  static constexpr double kSwitchMargin = 0.02;       // 2 % cheaper
  static constexpr double kLongStabilizationS = 900;
  // The candidates on a point forecast do not grow for a need at most this share above
  // their size (Kubernetes HPA's default tolerance, here upwards only): see the header.
  static constexpr double kScaleUpTolerance = 0.1;

 private:
  PredictiveConfig config_;
  // The headroom's factors after a short interval and after one that was not.
  double grow_, shrink_;
};

}  // namespace prescale::policy
