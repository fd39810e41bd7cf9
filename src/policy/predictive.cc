#include "policy/predictive.h"

#include <algorithm>
#include <cmath>

#include "policy/common.h"
#include "prescale/time_series.h"

namespace prescale::policy {
namespace {

struct Need {
  TimePoint time;
  int instances = 0;
};

struct PredictiveState : StateBase<PredictiveState> {
  explicit PredictiveState(std::size_t window, double headroom)
      : needs(window), log_headroom(std::log(headroom)) {}
  RingBuffer<Need> needs;  // recent needs, for scale-in stabilisation
  double log_headroom;

  void Save(StateWriter& w) const override {
    w.Double(log_headroom);
    w.Ring(needs, [](StateWriter& w, const Need& n) {
      w.Time(n.time);
      w.Int(n.instances);
    });
  }
  Status Load(StateReader& r) override {
    double headroom = r.Double();
    RingBuffer<Need> loaded(needs.capacity());
    r.Ring(loaded, [](StateReader& r) {
      Need n;
      n.time = r.Time();
      n.instances = static_cast<int>(r.Int());
      return n;
    });
    if (!std::isfinite(headroom)) r.Fail("headroom is not finite");
    if (Status s = r.Finish(); !s.ok()) return s;
    log_headroom = headroom;
    needs = loaded;
    return Status::Ok();
  }
};

// Share of the SLO's allowance that the headroom aims at: the rest absorbs the
// cold start and the lag between a shortfall and the capacity that answers it.
constexpr double kAimFraction = 0.5;

}  // namespace

Result<std::unique_ptr<Policy>> PredictivePolicy::Create(const Params& p,
                                                         const PolicyContext& ctx) {
  if (Status s = p.CheckKnown({"target_utilization", "slo_underprovision_pct", "quantile",
                               "adapt_rate", "initial_headroom", "min_headroom", "max_headroom",
                               "scale_in_stabilization_s"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  PredictiveConfig c;
  c.target_utilization = r.NumberIn("target_utilization", c.target_utilization, 0.01, 1.0);
  c.slo_underprovision_pct =
      r.NumberIn("slo_underprovision_pct", c.slo_underprovision_pct, 0.001, 50);
  c.quantile = r.NumberIn("quantile", c.quantile, 0.5, 0.999);
  c.adapt_rate = r.NumberIn("adapt_rate", c.adapt_rate, 0, 1);
  c.initial_headroom = r.NumberIn("initial_headroom", c.initial_headroom, 0.1, 100);
  c.min_headroom = r.NumberIn("min_headroom", c.min_headroom, 0.1, 100);
  c.max_headroom = r.NumberIn("max_headroom", c.max_headroom, 0.1, 100);
  r.Require(c.min_headroom <= c.initial_headroom && c.initial_headroom <= c.max_headroom,
            "initial_headroom", "must be between min_headroom and max_headroom");
  c.scale_in_stabilization = Duration(r.NumberIn("scale_in_stabilization_s", 300, 0, 86400));
  if (!r.status().ok()) return r.status();
  c.interval = ctx.interval;
  c.horizon_steps = CeilCount(ctx.boot_delay / ctx.interval) + 1;
  return std::unique_ptr<Policy>(new PredictivePolicy(c));
}

PolicyNeeds PredictivePolicy::Needs() const {
  PolicyNeeds n;
  n.forecast_signal = Signal::kLoad;
  n.default_forecaster = "holt-winters";
  n.horizon_steps = config_.horizon_steps;
  n.quantile = config_.quantile;
  return n;
}

std::unique_ptr<PolicyState> PredictivePolicy::NewState() const {
  auto window = static_cast<std::size_t>(
      std::ceil(config_.scale_in_stabilization / config_.interval));
  return std::make_unique<PredictiveState>(window + 2, config_.initial_headroom);
}

Decision PredictivePolicy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<PredictiveState&>(state);
  const int current = in.capacity.desired;
  const Observation& obs = *in.observation;
  if (!obs.load_per_s || in.capacity_per_instance <= 0) {
    return Hold(in, Reason::kMissingData, "Load metric missing - holding, never scaling in");
  }
  const double load = *obs.load_per_s;
  const double per_instance = in.capacity_per_instance * config_.target_utilization;

  // 0. Learn the headroom from the interval just served: was the group short?
  const double alpha = config_.slo_underprovision_pct / 100 * kAimFraction;
  const bool short_now = load > in.capacity.ready * in.capacity_per_instance * (1 + 1e-9);
  st.log_headroom += config_.adapt_rate * ((short_now ? 1.0 : 0.0) - alpha);
  st.log_headroom = std::clamp(st.log_headroom, std::log(config_.min_headroom),
                               std::log(config_.max_headroom));
  const double headroom = std::exp(st.log_headroom);

  // 1-3. Predictive need over the horizon, with the reactive floor under it.
  const int reactive = InstancesFor(load, per_instance, 1.0);
  const bool forecast_ready = in.forecast != nullptr && in.forecast->ready;
  const double peak = forecast_ready ? std::max(0.0, in.forecast->PeakUpper()) : load;
  const int predictive = InstancesFor(peak * headroom, per_instance, 1.0);
  int need = std::max(predictive, reactive);

  Decision d{need, Action::kHold, Reason::kForecast,
             forecast_ready ? "Sized for the forecast peak over the boot horizon"
                            : "Forecaster warming up - sized for the load now with headroom",
             peak * headroom / per_instance};
  if (!forecast_ready) d.reason = Reason::kWarmingUp;
  if (reactive > predictive) {
    d.reason = Reason::kReactiveFloor;
    d.message = "The load now needs more than the forecast - reactive floor";
  }

  // 4. Conservative scale-in: the max need of the stabilisation window.
  st.needs.Push({in.now, need});
  if (need < current) {
    int floor = need;
    for (std::size_t i = 0; i < st.needs.size(); ++i) {
      if (in.now - st.needs[i].time < config_.scale_in_stabilization) {
        floor = std::max(floor, st.needs[i].instances);
      }
    }
    if (floor > need) {
      d.desired = std::min(current, floor);
      d.reason = Reason::kStabilized;
      d.message = "Scale-in held back by the stabilisation window";
    } else {
      d.reason = Reason::kScaleDown;
      d.message = "The forecast peak needs fewer instances";
    }
  }
  RefuseUnsafeScaleIn(d, in);
  return Finish(d, current, in.limits);
}

}  // namespace prescale::policy
