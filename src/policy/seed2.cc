#include "policy/seed2.h"

#include <cmath>

#include "policy/common.h"

namespace prescale::policy {
namespace {

struct Seed2State : StateBase<Seed2State> {
  Seed2RulesState rules;
  void Save(StateWriter& w) const override { SaveSeed2Rules(rules, w); }
  Status Load(StateReader& r) override {
    Seed2RulesState loaded = LoadSeed2Rules(r);
    if (Status s = r.Finish(); !s.ok()) return s;
    rules = loaded;
    return Status::Ok();
  }
};

}  // namespace

Decision ApplySeed2Rules(const Seed2RulesConfig& c, Seed2RulesState& st, Seed2Signal signal,
                         const PolicyInput& in) {
  const int current = in.capacity.desired;
  const bool cooled = in.now - st.last_action >= c.cooldown;
  if (signal != Seed2Signal::kDown) {
    if (st.down_streak > 0) st.streak_broken = true;
    st.down_streak = 0;
  }
  switch (signal) {
    case Seed2Signal::kHold:
      return Hold(in, Reason::kWithinTolerance, "Prediction says hold - no change");
    case Seed2Signal::kUp: {
      if (current >= in.limits.max) {
        return Hold(in, Reason::kAtMaximum, "Already at maximum capacity");
      }
      if (!cooled) return Hold(in, Reason::kCooldown, "Scale up needed but in cooldown period");
      st.last_action = in.now;
      st.streak_broken = false;
      return Finish(Decision{current + c.step_up, Action::kScaleUp, Reason::kScaleUp,
                             "demand predicted high", 0},
                    current, in.limits);
    }
    case Seed2Signal::kDown:
      break;
  }
  // 1. Never scale in on an anomaly; the streak starts over.
  if (in.anomaly.anomaly) {
    st.down_streak = 0;
    return Hold(in, Reason::kAnomaly, "Anomaly active - not scaling down");
  }
  ++st.down_streak;
  if (current <= in.limits.min) {
    return Hold(in, Reason::kAtMinimum, "Already at minimum capacity");
  }
  // 2. Scale in only after N consecutive down signals (seed 2: 5 minutes of them).
  if (st.down_streak < c.consecutive_down) {
    return st.streak_broken
               ? Hold(in, Reason::kMixedPredictions, "Mixed predictions - not scaling down")
               : Hold(in, Reason::kAwaitingConsecutive,
                      "Scale down signal - waiting for consistent predictions");
  }
  if (!cooled) return Hold(in, Reason::kCooldown, "Scale down needed but in cooldown period");
  st.last_action = in.now;
  st.down_streak = 0;
  st.streak_broken = false;
  return Finish(Decision{current - c.step_down, Action::kScaleDown, Reason::kScaleDown,
                         "5min consistent prediction", 0},
                current, in.limits);
}

void SaveSeed2Rules(const Seed2RulesState& st, StateWriter& w) {
  w.Time(st.last_action);
  w.Int(st.down_streak);
  w.Bool(st.streak_broken);
}

Seed2RulesState LoadSeed2Rules(StateReader& r) {
  Seed2RulesState st;
  st.last_action = r.Time();
  st.down_streak = static_cast<int>(r.Int());
  st.streak_broken = r.Bool();
  if (st.down_streak < 0) r.Fail("negative streak");
  return st;
}

Seed2RulesConfig ReadSeed2Rules(ParamReader& r, Duration interval) {
  Seed2RulesConfig c;
  c.cooldown = Duration(r.NumberIn("cooldown_s", c.cooldown.count(), 0, 1e9));
  int five_minutes = std::max(1, CeilCount(300.0 / interval.count()));
  c.consecutive_down = r.IntegerIn("consecutive_down", five_minutes, 1, 1000000);
  c.step_up = r.IntegerIn("step_up", c.step_up, 1, 1000000);
  c.step_down = r.IntegerIn("step_down", c.step_down, 1, 1000000);
  return c;
}

Result<std::unique_ptr<Policy>> Seed2Policy::Create(const Params& p, const PolicyContext& ctx) {
  if (Status s = p.CheckKnown({"cooldown_s", "consecutive_down", "step_up", "step_down",
                               "scale_up_above_pct", "scale_down_below_pct"});
      !s.ok()) {
    return s;
  }
  ParamReader r(p);
  Seed2Config c;
  c.rules = ReadSeed2Rules(r, ctx.interval);
  c.scale_up_above_pct = r.NumberIn("scale_up_above_pct", c.scale_up_above_pct, 0, 100);
  c.scale_down_below_pct = r.NumberIn("scale_down_below_pct", c.scale_down_below_pct, 0, 100);
  r.Require(c.scale_down_below_pct < c.scale_up_above_pct, "scale_down_below_pct",
            "must be below scale_up_above_pct");
  if (!r.status().ok()) return r.status();
  return std::unique_ptr<Policy>(new Seed2Policy(c));
}

std::unique_ptr<PolicyState> Seed2Policy::NewState() const {
  return std::make_unique<Seed2State>();
}

Decision Seed2Policy::Decide(const PolicyInput& in, PolicyState& state) const {
  auto& st = static_cast<Seed2State&>(state);
  const Observation& obs = *in.observation;
  if (!Usable(obs.cpu_utilization)) {
    st.rules.down_streak = 0;
    return Hold(in, Reason::kMissingData, "CPU metric missing - holding");
  }
  double cpu_pct = *Usable(obs.cpu_utilization) * 100;
  Seed2Signal signal = cpu_pct > config_.scale_up_above_pct     ? Seed2Signal::kUp
                       : cpu_pct < config_.scale_down_below_pct ? Seed2Signal::kDown
                                                                : Seed2Signal::kHold;
  Decision d = ApplySeed2Rules(config_.rules, st.rules, signal, in);
  d.recommendation = cpu_pct;
  return d;
}

}  // namespace prescale::policy
