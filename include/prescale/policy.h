// Policy: turns what is known now into a desired group size. Pure.
//
// Decide() is a function of (config, state, input, now): the policy object holds its
// immutable config, the caller owns the state, and `input.now` is the only time it
// sees. It does no I/O, reads no clock and keeps nothing outside `state`, so the
// simulator, the daemon and the tests all drive the very same code, and the same
// inputs always give the same decisions.
//
// Rules every policy keeps (tested for each):
//   - the returned `desired` is within `input.limits`;
//   - missing data never scales in;
//   - an active anomaly never scales in.
#pragma once

#include <memory>
#include <string_view>

#include "prescale/anomaly_detector.h"
#include "prescale/classifier.h"
#include "prescale/clock.h"
#include "prescale/decision.h"
#include "prescale/forecaster.h"
#include "prescale/observation.h"
#include "prescale/registry.h"
#include "prescale/state_codec.h"

namespace prescale {

// Which series a policy wants forecast for it.
enum class Signal { kNone, kLoad, kCpu };

// What the controller must prepare before each Decide().
struct PolicyNeeds {
  Signal forecast_signal = Signal::kNone;
  // The forecaster used when the config names none.
  std::string_view default_forecaster = "holt-winters";
  int horizon_steps = 1;   // forecast steps 1..horizon_steps
  double quantile = 0.9;   // upper quantile of the forecast
  // Whether Decide() needs the demand classifier's verdict on the observation's
  // seed-2 features (PolicyInput::classification), and which classifier (a
  // Classifiers() name and its settings). The controller calls it, so the policy
  // stays pure.
  bool classification = false;
  PluginSpec classifier;
  // Whether the controller undoes a decision the group did not take (a cooldown, a
  // back-off, a failed action), so the policy decides afresh from the state it had.
  // A policy whose state follows only what it observes (its own shadow decisions,
  // the load) sets false: it learns from every interval, and the controller decides
  // on the state itself instead of on a copy.
  bool roll_back_untaken = true;
};

struct PolicyInput {
  TimePoint now;                    // end of the interval just observed
  Duration interval{60};            // decision interval
  const Observation* observation;   // never null
  CapacityStatus capacity;          // the group as it is now
  Limits limits;
  // Work units/s one instance serves within its SLO; 0 when unknown (then only
  // utilisation-based rules apply).
  double capacity_per_instance = 0;
  // The forecast of PolicyNeeds::forecast_signal; null when none was asked for.
  const ForecastResult* forecast = nullptr;
  AnomalyResult anomaly;            // the detector's verdict on this observation
  // Seed 2's nine features of this observation (features/seed2_features.h), when
  // PolicyNeeds::classification; null otherwise, or when CPU (or load and capacity)
  // or the instance count is missing.
  const Seed2Features* features = nullptr;
  // The classifier's verdict (a class, or why there is none) when
  // PolicyNeeds::classification; null otherwise.
  const ClassifierVerdict* classification = nullptr;
};

// A policy's memory between decisions (cooldown timers, windows, counters).
// Each policy defines its own subclass; the controller owns it.
struct PolicyState {
  virtual ~PolicyState() = default;
  // Becomes a copy of `other`, reusing its own storage (the controller keeps a
  // committed and a working copy, so a failed action can be rolled back).
  // REQUIRES: `other` is of the same dynamic type.
  virtual void CopyFrom(const PolicyState& other) = 0;
  // Durable state (cooldown timers, windows, counters), so a restart forgets
  // nothing. Load() reads what Save() wrote; on error the caller starts fresh.
  virtual void Save(StateWriter& w) const = 0;
  virtual Status Load(StateReader& r) = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  virtual PolicyNeeds Needs() const { return {}; }
  virtual std::unique_ptr<PolicyState> NewState() const = 0;
  // REQUIRES: `state` came from this policy's NewState().
  virtual Decision Decide(const PolicyInput& input, PolicyState& state) const = 0;
};

// What a policy factory knows of the group besides its Params.
struct PolicyContext {
  Duration interval{60};     // decision interval (the trace step in simulate)
  Duration boot_delay{180};  // launch to ready
};

using PolicyRegistry = Registry<Policy, PolicyContext>;
// The built-in policies: "threshold", "seed2", "hpa", "target-tracking", "predictive",
// "classifier".
const PolicyRegistry& Policies();

}  // namespace prescale
