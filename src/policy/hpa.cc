#include "policy/hpa.h"

#include <algorithm>
#include <cmath>

#include "policy/common.h"
#include "prescale/time_series.h"

namespace prescale::policy {
namespace {

struct Recommendation {
  TimePoint time;
  int replicas = 0;
};

struct HpaState : StateBase<HpaState> {
  explicit HpaState(std::size_t window) : recommendations(window) {}
  RingBuffer<Recommendation> recommendations;

  void Save(StateWriter& w) const override {
    w.Ring(recommendations, [](StateWriter& w, const Recommendation& r) {
      w.Time(r.time);
      w.Int(r.replicas);
    });
  }
  Status Load(StateReader& r) override {
    RingBuffer<Recommendation> loaded(recommendations.capacity());
    r.Ring(loaded, [](StateReader& r) {
      Recommendation rec;
      rec.time = r.Time();
      rec.replicas = static_cast<int>(r.Int());
      return rec;
    });
    if (Status s = r.Finish(); !s.ok()) return s;
    recommendations = loaded;
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<Policy>> HpaPolicy::Create(const Params& p, const PolicyContext& ctx) {
  if (Status s = p.CheckKnown({"metric", "target_utilization", "tolerance",
                               "scale_down_stabilization_s", "scale_up_stabilization_s",
                               "scale_up_percent", "scale_up_instances", "scale_up_period_s"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  HpaConfig c;
  std::string metric = r.Text("metric", "load");
  r.Require(metric == "load" || metric == "cpu", "metric", "must be 'load' or 'cpu', got '" +
                                                               metric + "'");
  c.metric = metric == "cpu" ? HpaMetric::kCpu : HpaMetric::kLoad;
  c.target_utilization = r.NumberIn("target_utilization", c.target_utilization, 0.01, 1.0);
  c.tolerance = r.NumberIn("tolerance", c.tolerance, 0, 1);
  c.scale_down_stabilization =
      Duration(r.NumberIn("scale_down_stabilization_s", 300, 0, 3600));
  c.scale_up_stabilization = Duration(r.NumberIn("scale_up_stabilization_s", 0, 0, 3600));
  c.scale_up_percent = r.NumberIn("scale_up_percent", c.scale_up_percent, 0, 100000);
  c.scale_up_instances = r.IntegerIn("scale_up_instances", c.scale_up_instances, 0, 1000000);
  c.scale_up_period = Duration(r.NumberIn("scale_up_period_s", 15, 1, 3600));
  r.Require(c.scale_up_percent > 0 || c.scale_up_instances > 0, "scale_up_percent",
            "and scale_up_instances cannot both be 0 (the group could never grow)");
  if (!r.status().ok()) return r.status();
  c.interval = ctx.interval;
  return std::unique_ptr<Policy>(new HpaPolicy(c));
}

std::unique_ptr<PolicyState> HpaPolicy::NewState() const {
  // Room for every recommendation inside the longer window, plus the current one.
  double window = std::max(config_.scale_down_stabilization, config_.scale_up_stabilization) /
                  config_.interval;
  return std::make_unique<HpaState>(static_cast<std::size_t>(std::ceil(window)) + 2);
}

int HpaPolicy::ScaleUpLimit(const HpaConfig& c, int current) {
  int periods = std::max(1, static_cast<int>(std::lround(c.interval / c.scale_up_period)));
  int cap = current;
  for (int i = 0; i < periods; ++i) {
    int by_percent = CeilCount(cap * (1 + c.scale_up_percent / 100));
    cap = std::max(by_percent, cap + c.scale_up_instances);
  }
  return cap;
}

Decision HpaPolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<HpaState&>(state);
  const int current = in.capacity.desired;
  const Observation& obs = *in.observation;
  const int ready = std::max(in.capacity.ready, 1);

  // 1. The raw recommendation (replica_calculator.go), or none within tolerance.
  bool missing = false;
  bool within_tolerance = false;
  double wanted = current;
  if (config_.metric == HpaMetric::kLoad && Usable(obs.load_per_s) &&
      in.capacity_per_instance > 0) {
    wanted = *Usable(obs.load_per_s) / (in.capacity_per_instance * config_.target_utilization);
    within_tolerance = std::abs(wanted / ready - 1.0) <= config_.tolerance;
  } else if (config_.metric == HpaMetric::kCpu && Usable(obs.cpu_utilization)) {
    double ratio = *Usable(obs.cpu_utilization) / config_.target_utilization;
    wanted = ready * ratio;
    within_tolerance = std::abs(ratio - 1.0) <= config_.tolerance;
  } else {
    missing = true;
  }
  if (missing) {
    return Hold(in, Reason::kMissingData, "Metric missing - holding, never scaling in");
  }
  int recommendation = within_tolerance ? current : CeilCount(wanted);

  // 2. Stabilisation (stabilizeRecommendationWithBehaviors): record this
  //    recommendation; a scale-in takes the max of those inside the down window, a
  //    scale-out the min of those inside the up window.
  st.recommendations.Push({in.now, recommendation});
  int down_floor = recommendation;
  int up_ceiling = recommendation;
  for (std::size_t i = 0; i < st.recommendations.size(); ++i) {
    const Recommendation& r = st.recommendations[i];
    Duration age = in.now - r.time;
    if (age < config_.scale_down_stabilization) down_floor = std::max(down_floor, r.replicas);
    if (age < config_.scale_up_stabilization) up_ceiling = std::min(up_ceiling, r.replicas);
  }
  Decision d{recommendation, Action::kHold, Reason::kScaleUp, "Load needs more instances",
             wanted};
  if (within_tolerance) {
    d.reason = Reason::kWithinTolerance;
    d.message = "Metric within tolerance of target";
  } else if (recommendation < current) {
    d.reason = Reason::kScaleDown;
    d.message = "Load needs fewer instances";
  }
  if (recommendation < current && down_floor > recommendation) {
    d.desired = std::min(current, down_floor);
    d.reason = Reason::kStabilized;
    d.message = "Scale-in held back by the stabilisation window";
  } else if (recommendation > current && up_ceiling < recommendation) {
    d.desired = std::max(current, up_ceiling);
    d.reason = Reason::kStabilized;
    d.message = "Scale-out held back by the stabilisation window";
  }

  // 3. Rate limit on scale-up (calculateScaleUpLimitWithScalingRules).
  if (d.desired > current) {
    int limit = ScaleUpLimit(config_, current);
    if (d.desired > limit) {
      d.desired = limit;
      d.reason = Reason::kScaleUpLimited;
      d.message = "Scale-up limited by the rate rule max(+100%, +4) per 15 s";
    }
  }
  RefuseUnsafeScaleIn(d, in);
  return Finish(d, current, in.limits);
}

}  // namespace prescale::policy
