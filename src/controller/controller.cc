#include "controller/controller.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "features/seed2_features.h"
#include "forecast/holt_winters.h"
#include "policy/common.h"

namespace prescale {
namespace {

// The configured limits within the group's own (an ASG's MinSize/MaxSize): a size
// outside those the platform would refuse. Limits that do not overlap give way to
// the platform's.
Limits EffectiveLimits(const Limits& configured, const std::optional<Limits>& platform) {
  if (!platform) return configured;
  Limits l{std::max(configured.min, platform->min), std::min(configured.max, platform->max)};
  return l.min <= l.max ? l : *platform;
}

// Values no source should give (NaN, infinities, a negative or absurdly large rate
// or utilisation, policy::Usable) are missing data, not numbers: one NaN fed to a
// forecaster or a detector would poison its state for good, and no policy may size
// on it. Says so in `error`.
void DropUnusable(Observation& o) {
  auto drop = [&o](std::optional<double>& v, const char* what) {
    if (!v || policy::Usable(v)) return;
    if (!o.error.empty()) o.error += "; ";
    o.error += std::string("the source gave ") + what + " = " + std::to_string(*v) +
               ", taken as missing";
    v.reset();
  };
  drop(o.load_per_s, "load");
  drop(o.cpu_utilization, "CPU utilisation");
  drop(o.memory_utilization, "memory utilisation");
  drop(o.network_in_bytes_per_s, "network in");
  drop(o.network_out_bytes_per_s, "network out");
  drop(o.disk_read_bytes_per_s, "disk reads");
  drop(o.disk_write_bytes_per_s, "disk writes");
  drop(o.network_packets_in_per_s, "packets in");
  drop(o.network_packets_out_per_s, "packets out");
  if (o.instances && *o.instances < 0) o.instances.reset();
}

}  // namespace

Result<Controller::Parts> Controller::BuildParts(const GroupSpec& group, const PluginSpec& policy,
                                                 const PluginSpec& forecaster,
                                                 const PluginSpec& detector,
                                                 std::string_view default_detector) {
  Parts parts;
  PolicyContext pctx{group.interval, group.boot_delay};
  auto p = Policies().Create(policy.type.empty() ? "predictive" : policy.type, policy.params, pctx);
  if (!p.ok()) return p.status().WithContext(policy.mark.ToString().empty()
                                                 ? "group '" + group.name + "'"
                                                 : policy.mark.ToString());
  parts.policy = std::move(p.value());
  PolicyNeeds needs = parts.policy->Needs();
  if (needs.forecast_signal != Signal::kNone) {
    std::string type = forecaster.type.empty() ? std::string(needs.default_forecaster)
                                               : forecaster.type;
    auto f = Forecasters().Create(type, forecaster.params,
                                  ForecasterContext{group.interval, needs.horizon_steps});
    if (!f.ok()) return f.status().WithContext("group '" + group.name + "'");
    parts.forecaster = std::move(f.value());
  }
  if (needs.classification) {
    auto c = Classifiers().Create(needs.classifier.type, needs.classifier.params,
                                  ClassifierContext{group.name});
    if (!c.ok()) return c.status().WithContext("group '" + group.name + "'");
    parts.classifier = std::move(c.value());
  }
  auto d = Detectors().Create(detector.type.empty() ? std::string(default_detector) : detector.type, detector.params,
                              DetectorContext{group.interval});
  if (!d.ok()) return d.status().WithContext("group '" + group.name + "'");
  parts.detector = std::move(d.value());
  return parts;
}

Controller::Controller(GroupSpec group, MetricSource& source, Actuator& actuator, Parts parts,
                       Recorder* recorder)
    : group_(std::move(group)),
      source_(source),
      actuator_(actuator),
      parts_(std::move(parts)),
      recorder_(recorder),
      needs_(parts_.policy->Needs()),
      committed_(parts_.policy->NewState()),
      working_(parts_.policy->NewState()) {}

const StepRecord& Controller::Step(TimePoint now) {
  ++stats_.steps;
  record_ = StepRecord{};
  record_.time = now;

  // 1. The group as it is, then its metrics (a simulated source measures CPU over
  //    the instances the actuator reports ready).
  auto described = actuator_.Describe(now);
  observation_ = source_.Read(now);
  DropUnusable(observation_);
  record_.observation = &observation_;
  if (!observation_.error.empty()) ++stats_.source_errors;

  // 2. Detector and forecaster see the series the policy works on (for a policy
  //    that needs no forecast: the load, else the CPU).
  record_.series = needs_.forecast_signal == Signal::kCpu ? Signal::kCpu : Signal::kLoad;
  std::optional<double> series = needs_.forecast_signal == Signal::kCpu
                                     ? observation_.cpu_utilization
                                     : observation_.load_per_s;
  if (!series && needs_.forecast_signal == Signal::kNone && observation_.cpu_utilization) {
    series = observation_.cpu_utilization;
    record_.series = Signal::kCpu;
  }
  record_.series_value = series;
  if (!series) ++stats_.missing_data;
  if (parts_.detector) record_.anomaly = parts_.detector->Update(series);
  if (parts_.forecaster) {
    // An anomalous value is a gap to the forecaster (it keeps its seasonal phase and
    // does not learn), for at most kMaxMaskedSteps in a row; the policy below still
    // sees the real observation, for its reactive floor.
    masked_run_ = record_.anomaly.anomaly && series ? masked_run_ + 1 : 0;
    record_.forecast_masked = masked_run_ > 0 && masked_run_ <= kMaxMaskedSteps;
    parts_.forecaster->Observe(record_.forecast_masked ? std::nullopt : series);
    parts_.forecaster->Forecast(needs_.horizon_steps, needs_.quantile, forecast_);
    record_.forecast = &forecast_;
  }

  if (!described.ok()) {
    // Without the group's size there is nothing safe to do: hold and say why.
    ++stats_.actuator_errors;
    record_.error = described.status();
    record_.before = CapacityStatus{last_known_desired_, last_known_desired_};
    record_.decision = Decision{last_known_desired_, Action::kHold, Reason::kActuatorError,
                                "Could not describe the group - holding", 0};
    if (recorder_) recorder_->Record(group_, record_);
    return record_;
  }
  record_.before = *described;
  last_known_desired_ = described->desired;
  const Limits limits = EffectiveLimits(group_.limits, actuator_.PlatformLimits());

  // 3. Decide on a scratch copy of the state (on the state itself when the policy
  //    has nothing to undo).
  PolicyInput input;
  input.now = now;
  input.interval = group_.interval;
  input.observation = &observation_;
  input.capacity = *described;
  input.limits = limits;
  input.capacity_per_instance = group_.capacity_per_instance;
  input.forecast = parts_.forecaster ? &forecast_ : nullptr;
  input.anomaly = record_.anomaly;
  if (needs_.classification) Classify(*described, input);
  if (needs_.roll_back_untaken) working_->CopyFrom(*committed_);
  Decision d = parts_.policy->Decide(input, needs_.roll_back_untaken ? *working_ : *committed_);
  d.desired = limits.Clamp(d.desired);
  d.action = ActionFor(d.desired, described->desired);
  record_.decision = d;

  // 4. Actuate; keep the new state only if the world took the change (or the policy
  //    has nothing to undo). The group's cooldown and the back-off after a failure
  //    hold the change back; the policy then decides afresh next tick from the state
  //    it had.
  bool keep = true;
  if (d.desired != described->desired) {
    if (now - last_action_ < group_.cooldown) {
      keep = false;
      record_.decision = Decision{described->desired, Action::kHold, Reason::kCooldown,
                                  d.desired > described->desired
                                      ? "Scale up needed but in cooldown period"
                                      : "Scale down needed but in cooldown period",
                                  d.recommendation};
    } else if (now < retry_at_) {
      keep = false;
      record_.decision = Decision{described->desired, Action::kHold, Reason::kBackingOff,
                                  "Actuator failed - backing off before retrying",
                                  d.recommendation};
    } else if (Status gate = gate_ != nullptr ? gate_->MayActuate(group_.name) : Status::Ok();
               !gate.ok()) {
      record_.shadow = true;
      record_.shadow_reason = gate.message();
      last_action_ = now;
    } else if (Status s = actuator_.SetDesired(d.desired, now); s.ok()) {
      record_.acted = true;
      ++stats_.actions;
      last_action_ = now;
      failures_ = 0;
    } else {
      keep = false;
      ++stats_.actuator_errors;
      record_.error = s;
      record_.decision.reason = Reason::kActuatorError;
      // Exponential back-off in intervals: 1, 2, 4 ... 32.
      retry_at_ = now + group_.interval * static_cast<double>(1 << std::min(failures_, 5));
      ++failures_;
    }
  }
  if (keep && needs_.roll_back_untaken) std::swap(committed_, working_);

  // 5. Record.
  if (recorder_) recorder_->Record(group_, record_);
  return record_;
}

void Controller::Classify(const CapacityStatus& group, PolicyInput& input) {
  features_ = ComputeSeed2Features(
      FeatureObservation(observation_, group.ready, group_.capacity_per_instance),
      group_.limits.min, group_.limits.max);
  verdict_ = ClassifierVerdict{};
  if (!features_) {
    verdict_.error =
        "no features: the CPU (or the load and capacity) or the instance count is missing";
  } else if (!parts_.classifier) {
    verdict_.error = "no classifier";
  } else if (auto c = parts_.classifier->Classify(*features_); c.ok()) {
    verdict_.classification = *c;
  } else {
    verdict_.error = c.status().message();
  }
  input.features = features_ ? &*features_ : nullptr;
  input.classification = &verdict_;
  record_.features = input.features;
  record_.classification = &verdict_;
}

SavedState Controller::SaveState(bool with_models) const {
  SavedState out;
  StateWriter w;
  w.Int(1);  // format version
  w.Time(last_action_);
  w.Int(failures_);
  w.Time(retry_at_);
  w.Int(last_known_desired_);
  out.controller = w.text();
  StateWriter p;
  committed_->Save(p);
  out.policy = p.text();
  if (!with_models) return out;
  if (parts_.forecaster) {
    StateWriter f;
    parts_.forecaster->Save(f);
    out.forecaster = f.text();
  }
  if (parts_.detector) {
    StateWriter d;
    parts_.detector->Save(d);
    out.detector = d.text();
  }
  return out;
}

std::int64_t Controller::SkipIntervals(std::int64_t intervals) {
  std::int64_t n = std::max<std::int64_t>(0, intervals);
  if (n > kMaxGapIntervals) {
    std::int64_t season = HoltWintersForecaster::WeeklyPeriod(group_.interval);
    if (season == 0) season = HoltWintersForecaster::DailyPeriod(group_.interval);
    n = kMaxGapIntervals + (season > 0 ? (n - kMaxGapIntervals) % season : 0);
  }
  for (std::int64_t i = 0; i < n; ++i) {
    if (parts_.detector) parts_.detector->Update(std::nullopt);
    if (parts_.forecaster) parts_.forecaster->Observe(std::nullopt);
  }
  masked_run_ = 0;
  return n;
}

Status Controller::LoadState(const SavedState& saved) {
  std::string fresh;
  auto note = [&](const char* part, const Status& s) {
    if (!s.ok()) fresh += std::string(fresh.empty() ? "" : "; ") + part + ": " + s.message();
  };
  if (!saved.controller.empty()) {
    StateReader r(saved.controller);
    Status version = r.ReadVersion(1);
    TimePoint last = r.Time();
    int failures = static_cast<int>(r.Int());
    TimePoint retry = r.Time();
    int known = static_cast<int>(r.Int());
    Status s = version.ok() ? r.Finish() : version;
    if (s.ok()) {
      last_action_ = last;
      failures_ = failures;
      retry_at_ = retry;
      last_known_desired_ = known;
    }
    note("controller", s);
  }
  if (!saved.policy.empty()) {
    StateReader r(saved.policy);
    auto loaded = parts_.policy->NewState();
    Status s = loaded->Load(r);
    if (s.ok()) committed_->CopyFrom(*loaded);
    note("policy", s);
  }
  if (parts_.forecaster && !saved.forecaster.empty()) {
    StateReader r(saved.forecaster);
    note("forecaster", parts_.forecaster->Load(r));
  }
  if (parts_.detector && !saved.detector.empty()) {
    StateReader r(saved.detector);
    note("detector", parts_.detector->Load(r));
  }
  if (!fresh.empty()) return Status::Error("started fresh: " + fresh);
  return Status::Ok();
}

}  // namespace prescale
