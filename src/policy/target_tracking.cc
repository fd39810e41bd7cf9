#include "policy/target_tracking.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "policy/common.h"

namespace prescale::policy {
namespace {

struct TargetTrackingState : StateBase<TargetTrackingState> {
  int above = 0;  // consecutive intervals above target
  int below = 0;  // consecutive intervals below the scale-in line
  TimePoint last_action = TimePoint(Duration(-std::numeric_limits<double>::infinity()));
  void Save(StateWriter& w) const override {
    w.Int(above);
    w.Int(below);
    w.Time(last_action);
  }
  Status Load(StateReader& r) override {
    TargetTrackingState s;
    s.above = static_cast<int>(r.Int());
    s.below = static_cast<int>(r.Int());
    s.last_action = r.Time();
    if (s.above < 0 || s.below < 0) r.Fail("negative alarm count");
    if (Status st = r.Finish(); !st.ok()) return st;
    *this = s;
    return Status::Ok();
  }
};

// Datapoints that span `minutes` at the decision interval (at least 1).
int Datapoints(double minutes, Duration interval) {
  return std::max(1, CeilCount(minutes * 60 / interval.count()));
}

}  // namespace

Result<std::unique_ptr<Policy>> TargetTrackingPolicy::Create(const Params& p,
                                                             const PolicyContext& ctx) {
  if (Status s = p.CheckKnown({"metric", "target_utilization", "scale_out_datapoints",
                               "scale_in_datapoints", "scale_in_ratio", "scale_in_max_percent",
                               "scale_in_cooldown_s"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  TargetTrackingConfig c;
  std::string metric = r.Text("metric", "load");
  r.Require(metric == "load" || metric == "cpu", "metric",
            "must be 'load' or 'cpu', got '" + metric + "'");
  c.use_cpu = metric == "cpu";
  c.target_utilization = r.NumberIn("target_utilization", c.target_utilization, 0.01, 1.0);
  c.scale_out_datapoints =
      r.IntegerIn("scale_out_datapoints", Datapoints(3, ctx.interval), 1, 100000);
  c.scale_in_datapoints =
      r.IntegerIn("scale_in_datapoints", Datapoints(15, ctx.interval), 1, 100000);
  c.scale_in_ratio = r.NumberIn("scale_in_ratio", c.scale_in_ratio, 0.01, 1.0);
  c.scale_in_max_percent = r.NumberIn("scale_in_max_percent", c.scale_in_max_percent, 0.1, 100);
  c.scale_in_cooldown = Duration(r.NumberIn("scale_in_cooldown_s", 300, 0, 1e9));
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<Policy>(new TargetTrackingPolicy(c));
}

std::unique_ptr<PolicyState> TargetTrackingPolicy::NewState() const {
  return std::make_unique<TargetTrackingState>();
}

Decision TargetTrackingPolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<TargetTrackingState&>(state);
  const int current = in.capacity.desired;
  const int ready = std::max(in.capacity.ready, 1);
  const Observation& obs = *in.observation;

  // 1. Utilisation of the ready instances.
  double utilization;
  if (!config_.use_cpu && Usable(obs.load_per_s) && in.capacity_per_instance > 0) {
    utilization = *Usable(obs.load_per_s) / (ready * in.capacity_per_instance);
  } else if (config_.use_cpu && Usable(obs.cpu_utilization)) {
    utilization = *Usable(obs.cpu_utilization);
  } else {
    st.above = st.below = 0;
    return Hold(in, Reason::kMissingData, "Metric missing - holding, never scaling in");
  }
  const double wanted = ready * utilization / config_.target_utilization;

  // 2. The two alarms: consecutive datapoints above target, or below the scale-in line.
  st.above = utilization > config_.target_utilization ? st.above + 1 : 0;
  st.below = utilization < config_.target_utilization * config_.scale_in_ratio ? st.below + 1 : 0;

  // 3. Scale out in proportion, at once when the alarm fires.
  if (st.above >= config_.scale_out_datapoints) {
    Decision d = Finish(Decision{std::max(current, CeilCount(wanted)), Action::kHold,
                                 Reason::kScaleUp,
                                 "Utilisation above target - scaling out in proportion", wanted},
                        current, in.limits);
    if (d.action == Action::kScaleUp) {
      st.last_action = in.now;
      st.above = 0;
    } else if (d.reason == Reason::kScaleUp) {
      d.reason = Reason::kWithinTolerance;
      d.message = "Above target, but the instances already asked for cover it";
    }
    return d;
  }
  // 4. Scale in gradually, after the low alarm and the cooldown.
  if (st.below >= config_.scale_in_datapoints) {
    int step = std::max(1, static_cast<int>(current * config_.scale_in_max_percent / 100));
    Decision d{std::max(CeilCount(wanted), current - step), Action::kHold, Reason::kScaleDown,
               "Utilisation below target - scaling in", wanted};
    if (d.desired >= current) return Hold(in, Reason::kWithinTolerance, "Near target");
    if (in.now - st.last_action < config_.scale_in_cooldown) {
      return Hold(in, Reason::kCooldown, "Scale in needed but in cooldown period");
    }
    if (RefuseUnsafeScaleIn(d, in)) return d;
    d = Finish(d, current, in.limits);
    if (d.action == Action::kScaleDown) {
      st.last_action = in.now;
      st.below = 0;
    }
    return d;
  }
  Decision d = st.above > 0 || st.below > 0
                   ? Hold(in, Reason::kAwaitingConsecutive,
                          "Off target - waiting for the alarm's consecutive datapoints")
                   : Hold(in, Reason::kWithinTolerance, "Utilisation near target");
  d.recommendation = wanted;
  return d;
}

}  // namespace prescale::policy
