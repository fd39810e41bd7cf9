// Controller: one scaling group's loop step (STYLE.md: an I/O sandwich around the
// pure policy, as Kubernetes' horizontal.go is):
//
//   1. describe the group (actuator) and read its metrics (source);
//   2. update the anomaly detector and the forecaster; when the policy needs a
//      classification, compute seed 2's features and ask the classifier;
//   3. decide (policy, pure);
//   4. actuate when the size changes; on failure, roll the policy state back so
//      the next step retries from the same state;
//   5. record.
//
// `simulate` and `run` drive this same class: time comes in as `now`, so the
// controller itself never reads a clock. Not thread-safe: one thread per group.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "prescale/actuation_gate.h"
#include "prescale/actuator.h"
#include "prescale/anomaly_detector.h"
#include "prescale/classifier.h"
#include "prescale/forecaster.h"
#include "prescale/metric_source.h"
#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale {

struct GroupSpec {
  std::string name = "default";
  Limits limits;
  Duration interval{60};
  Duration boot_delay{180};
  // Work units/s one instance serves within its SLO (simulate's --capacity); 0 when
  // unknown, in which case only CPU-based policies can decide.
  double capacity_per_instance = 0;
  // Minimum time between two actions, whatever the policy says (0 = none).
  Duration cooldown{0};
};

// A controller's durable state, one text record per part (see StateWriter). Empty
// strings mean "nothing saved".
struct SavedState {
  std::string controller;  // last action time, actuator back-off
  std::string policy;
  std::string forecaster;
  std::string detector;
};

// Everything known about one step, handed to the recorder. Pointers are valid only
// during Recorder::Record().
struct StepRecord {
  TimePoint time;
  const Observation* observation = nullptr;
  CapacityStatus before;                     // the group when the decision was made
  Decision decision;                         // desired already within limits
  const ForecastResult* forecast = nullptr;  // null when the policy needs none
  // The series the detector scored and the forecaster learned from (load or CPU),
  // and its value this step (empty when missing).
  Signal series = Signal::kLoad;
  std::optional<double> series_value;
  AnomalyResult anomaly;
  // Seed 2's features and the classifier's verdict, when the policy needs a
  // classification (PolicyNeeds::classification); null otherwise.
  const Seed2Features* features = nullptr;
  const ClassifierVerdict* classification = nullptr;
  // The forecaster was fed a gap instead of series_value, because the detector flagged
  // it (docs/anomaly.md): an anomaly is kept out of forecaster training.
  bool forecast_masked = false;
  bool acted = false;  // SetDesired() was called and succeeded
  // Decided as a follower (high availability): the gate refused, so the actuator
  // was not called; `shadow_reason` says why.
  bool shadow = false;
  std::string shadow_reason;
  Status error;  // actuator failure, if any

  // The forecast the decision was sized on: the ensemble member the policy chose
  // (Decision::model), else the forecast itself. Null when the policy needs none.
  const ForecastResult* SizingForecast() const {
    if (forecast == nullptr) return nullptr;
    for (const ForecastResult& m : forecast->members) {
      if (!decision.model.empty() && m.model == decision.model) return &m;
    }
    return forecast;
  }
  // The forecast of the next step, and its peak upper bound over the horizon: empty
  // when the policy needs no forecast or the model is still warming up.
  std::optional<double> NextForecast() const {
    const ForecastResult* f = SizingForecast();
    if (!Usable(f)) return std::nullopt;
    return f->point[0];
  }
  std::optional<double> PeakForecast() const {
    const ForecastResult* f = SizingForecast();
    if (!Usable(f)) return std::nullopt;
    return f->PeakUpper();
  }

 private:
  static bool Usable(const ForecastResult* f) {
    return f != nullptr && f->ready && f->horizon() > 0;
  }
};

class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void Record(const GroupSpec& group, const StepRecord& step) = 0;
};

struct ControllerStats {
  std::int64_t steps = 0;
  std::int64_t missing_data = 0;     // steps whose observation lacked the policy's metric
  std::int64_t source_errors = 0;    // observations carrying an error
  std::int64_t actuator_errors = 0;  // failed Describe() or SetDesired()
  std::int64_t actions = 0;          // successful size changes
};

class Controller {
 public:
  struct Parts {
    std::unique_ptr<Policy> policy;
    std::unique_ptr<Forecaster> forecaster;     // may be null
    std::unique_ptr<AnomalyDetector> detector;  // may be null
    std::unique_ptr<Classifier> classifier;     // null unless the policy needs one
  };

  // Builds the policy, forecaster and detector from their specs and registries. An
  // empty forecaster type means the policy's default, an empty detector type
  // `default_detector`.
  static Result<Parts> BuildParts(const GroupSpec& group, const PluginSpec& policy,
                                  const PluginSpec& forecaster, const PluginSpec& detector,
                                  std::string_view default_detector = "surprise");

  // The most consecutive flagged values kept out of forecaster training. A spike or a
  // glitch is over well within it; a level shift the detector keeps flagging, or a
  // stuck sensor, reaches the forecaster after it, so that masking can never freeze
  // the forecast (docs/anomaly.md).
  static constexpr int kMaxMaskedSteps = 30;

  // `source`, `actuator` and `recorder` (may be null) must outlive the controller.
  Controller(GroupSpec group, MetricSource& source, Actuator& actuator, Parts parts,
             Recorder* recorder);

  // One step at `now`, the end of the interval just observed.
  const StepRecord& Step(TimePoint now);

  // Saves every part's state; LoadState() restores what it can and returns an error
  // naming the parts that had to start fresh (the controller still works). Without
  // `with_models` only the decision state (controller, policy) is saved, and the
  // forecaster and detector fields stay empty: they are by far the largest.
  SavedState SaveState(bool with_models = true) const;
  Status LoadState(const SavedState& saved);
  // Tells the forecaster and the detector that `intervals` went by unseen (a restart
  // whose models were saved that long ago): each gets as many missing values, so a
  // season keeps its phase. Past kMaxGapIntervals only the phase of the longest
  // season is kept (by then every window is empty). Returns the count fed.
  std::int64_t SkipIntervals(std::int64_t intervals);
  static constexpr std::int64_t kMaxGapIntervals = 20160;  // two weeks at 60 s

  const GroupSpec& group() const { return group_; }
  const Forecaster* forecaster() const { return parts_.forecaster.get(); }
  const AnomalyDetector* detector() const { return parts_.detector.get(); }
  const Policy& policy() const { return *parts_.policy; }
  const ControllerStats& stats() const { return stats_; }

  // Asked before every SetDesired() (high availability; may be null: always act).
  // When it refuses, the step is decided in shadow: the policy state advances as
  // if the leader applied the same decision (it decides on the same data), and
  // the cooldown starts, so that a follower taking over acts as the leader would
  // have. `gate` must outlive the controller.
  void set_gate(ActuationGate* gate) { gate_ = gate; }

 private:
  // Seed 2's features of this step and the classifier's verdict on them, into
  // `input` and the record.
  void Classify(const CapacityStatus& group, PolicyInput& input);

  GroupSpec group_;
  MetricSource& source_;
  Actuator& actuator_;
  Parts parts_;
  Recorder* recorder_;
  ActuationGate* gate_ = nullptr;
  PolicyNeeds needs_;
  std::unique_ptr<PolicyState> committed_;  // state after the last applied decision
  std::unique_ptr<PolicyState> working_;    // scratch for the decision in progress
  Observation observation_;
  ForecastResult forecast_;
  std::optional<Seed2Features> features_;
  ClassifierVerdict verdict_;
  StepRecord record_;
  ControllerStats stats_;
  int last_known_desired_ = 0;  // for records when the actuator cannot describe
  int masked_run_ = 0;          // consecutive flagged values (not saved: a restart
                                // allows at most kMaxMaskedSteps more)
  TimePoint last_action_ = TimePoint(Duration(-1e300));
  // Back-off after a failed action: no new attempt before `retry_at_`.
  int failures_ = 0;
  TimePoint retry_at_ = TimePoint(Duration(-1e300));
};

}  // namespace prescale
