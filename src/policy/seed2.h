// `seed2`: seed 2's control rules (EC2 Predictive Horizontal Auto Scaler).
//
//   - an "up" signal scales up by +1 at once, unless in cooldown or at max;
//   - a "down" signal scales down by -1 only after N consecutive down signals
//     (default: 5 minutes' worth at the decision interval, 30 at 10 s);
//   - 300 s cooldown between actions; never below min, never above max.
//
// The rules are separate from where the signal comes from (Seed2Rules), so the
// classifier policy can drive them with its model's class. The `seed2` policy itself
// signals from CPU the way the seed's thresholds do: > 75 % up, < 25 % down.
#pragma once

#include <limits>
#include <memory>

#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale::policy {

enum class Seed2Signal { kUp, kDown, kHold };

struct Seed2RulesConfig {
  Duration cooldown{300};
  int consecutive_down = 5;  // signals needed before -1
  int step_up = 1;
  int step_down = 1;
};

struct Seed2RulesState {
  TimePoint last_action = TimePoint(Duration(-std::numeric_limits<double>::infinity()));
  int down_streak = 0;
  bool streak_broken = false;  // a non-down signal ended a streak since the last action
};

// Applies the rules to one signal. Pure: the result depends only on the arguments.
Decision ApplySeed2Rules(const Seed2RulesConfig& config, Seed2RulesState& state,
                         Seed2Signal signal, const PolicyInput& input);

// The rules' durable state, for the classifier policy to reuse too.
void SaveSeed2Rules(const Seed2RulesState& state, StateWriter& w);
Seed2RulesState LoadSeed2Rules(StateReader& r);

// Reads cooldown_s, consecutive_down (default: ceil(300 s / interval)), step_up,
// step_down from `reader`.
Seed2RulesConfig ReadSeed2Rules(ParamReader& reader, Duration interval);

struct Seed2Config {
  Seed2RulesConfig rules;
  double scale_up_above_pct = 75;
  double scale_down_below_pct = 25;
};

class Seed2Policy final : public Policy {
 public:
  explicit Seed2Policy(Seed2Config config) : config_(config) {}
  static Result<std::unique_ptr<Policy>> Create(const Params& params, const PolicyContext& ctx);

  std::string_view name() const override { return "seed2"; }
  std::unique_ptr<PolicyState> NewState() const override;
  Decision Decide(const PolicyInput& input, PolicyState& state) const override;

 private:
  Seed2Config config_;
};

}  // namespace prescale::policy
