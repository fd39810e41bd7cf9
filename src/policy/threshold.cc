#include "policy/threshold.h"

#include <limits>

#include "policy/common.h"

namespace prescale::policy {
namespace {

struct ThresholdState : StateBase<ThresholdState> {
  TimePoint last_action = TimePoint(Duration(-std::numeric_limits<double>::infinity()));
  void Save(StateWriter& w) const override { w.Time(last_action); }
  Status Load(StateReader& r) override {
    TimePoint t = r.Time();
    if (Status s = r.Finish(); !s.ok()) return s;
    last_action = t;
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<Policy>> ThresholdPolicy::Create(const Params& p, const PolicyContext&) {
  if (Status s = p.CheckKnown({"scale_up_above_pct", "scale_down_below_pct", "step", "cooldown_s"});
      !s.ok()) {
    return s;
  }
  ThresholdConfig c;
  ParamReader r(p);
  c.scale_up_above_pct = r.NumberIn("scale_up_above_pct", c.scale_up_above_pct, 0, 100);
  c.scale_down_below_pct = r.NumberIn("scale_down_below_pct", c.scale_down_below_pct, 0, 100);
  r.Require(c.scale_down_below_pct < c.scale_up_above_pct, "scale_down_below_pct",
            "must be below scale_up_above_pct");
  c.step = r.IntegerIn("step", c.step, 1, 1000000);
  c.cooldown = Duration(r.NumberIn("cooldown_s", c.cooldown.count(), 0, 1e9));
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<Policy>(new ThresholdPolicy(c));
}

PolicyNeeds ThresholdPolicy::Needs() const {
  PolicyNeeds n;
  n.forecast_signal = Signal::kCpu;
  n.default_forecaster = "linear";
  n.horizon_steps = 1;
  return n;
}

std::unique_ptr<PolicyState> ThresholdPolicy::NewState() const {
  return std::make_unique<ThresholdState>();
}

Decision ThresholdPolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<ThresholdState&>(state);
  const int current = in.capacity.desired;
  const Observation& obs = *in.observation;
  if (!Usable(obs.cpu_utilization)) {
    return Hold(in, Reason::kMissingData, "CPU metric missing - holding");
  }
  // 1. The predicted CPU: the forecast once the model has data, else the measurement.
  double predicted_pct = *Usable(obs.cpu_utilization) * 100;
  if (in.forecast != nullptr && in.forecast->ready) predicted_pct = in.forecast->point[0] * 100;

  // 2. The seed's thresholds.
  Decision d = Hold(in, Reason::kWithinTolerance, "Predicted CPU within thresholds");
  d.recommendation = predicted_pct;
  if (predicted_pct > config_.scale_up_above_pct) {
    d = Decision{current + config_.step, Action::kScaleUp, Reason::kScaleUp,
                 "Predicted CPU above threshold - scaling up", predicted_pct};
  } else if (predicted_pct < config_.scale_down_below_pct) {
    d = Decision{current - config_.step, Action::kScaleDown, Reason::kScaleDown,
                 "Predicted CPU below threshold - scaling down", predicted_pct};
  }
  RefuseUnsafeScaleIn(d, in);
  d = Finish(d, current, in.limits);

  // 3. Cooldown between actions.
  if (d.action != Action::kHold) {
    if (in.now - st.last_action < config_.cooldown) {
      return Hold(in, Reason::kCooldown, "Scaling needed but in cooldown period");
    }
    st.last_action = in.now;
  }
  return d;
}

}  // namespace prescale::policy
