// `classifier`: seed 2's ML decision. A demand classifier (in-process XGBoost, or a
// remote /predict service) classifies the group's seed-2 features each interval,
// and the class drives seed 2's control rules (seed2.h: +1 at once, -1 after N
// consecutive signals, cooldown):
//
//   class     prescale's labels (default)     the seed's code (class_mapping: seed)
//   Low       down: fewer instances would do  up   (its "if prediction == 0")
//   Medium    hold                            down
//   High      up: more are needed             hold
//
// prescale's models are labelled by the oracle (`prescale train`), so the classes
// mean what their names say; the seed's handle_predictive_scaling maps them the
// other way round, against its own names, and `class_mapping: seed` keeps that for
// a model trained on the seed's labels.
//
// The policy stays pure: it declares in Needs() that it wants a classification,
// and the controller asks the classifier and passes the verdict in PolicyInput.
// When there is no class (the service is down or times out, an answer is malformed,
// the features are missing), the fallback, `predictive`, decides and the reason is
// ClassifierFallback. The fallback decides every interval, used or not, so that its
// learned headroom and scale-in window are current when it is needed.
#pragma once

#include <memory>

#include "policy/seed2.h"
#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

struct ClassifierConfig {
  Seed2RulesConfig rules;
  bool seed_mapping = false;  // class_mapping: seed
  PluginSpec classifier;      // "xgboost" {model} or "remote" {url, timeout_s}
};

// The signal a class gives under `seed_mapping` (see the table above).
Seed2Signal SignalForClass(DemandClass c, bool seed_mapping);

class ClassifierPolicy final : public Policy {
 public:
  ClassifierPolicy(ClassifierConfig config, std::unique_ptr<Policy> fallback);
  // Settings: model, predictor_url, timeout_s, class_mapping, the seed2 rules'
  // cooldown_s, consecutive_down, step_up, step_down, and any setting of the
  // fallback `predictive` (target_utilization, slo_underprovision_pct, ...).
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "classifier"; }
  PolicyNeeds Needs() const override;
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

 private:
  ClassifierConfig config_;
  std::unique_ptr<Policy> fallback_;
};

}  // namespace prescale::policy
