// Properties of the whole loop (controller.h), with RapidCheck: every built-in
// policy with its default forecaster and detector, on the simulated cluster, fed
// observations that include missing and absurd values:
//   - the group's size stays within [min, max];
//   - at most one action per group cooldown (GroupSpec::cooldown);
//   - no scale-in on a step whose load and CPU are both unusable;
//   - no scale-in on a step the detector flags;
//   - the same inputs give the same steps.
// Unusable values must not reach the forecaster or the detector either: a NaN fed
// to one would poison its state for good, so the properties hold after one too.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "actuators/simulated_cluster.h"
#include "controller/controller.h"
#include "policy/property_util.h"

namespace prescale {
namespace {

using policy::test::CheckProperty;
using policy::test::GenMetric;
using policy::test::kStart;
using policy::test::Unusable;

// Replays generated observations, one per Read().
class ScriptedSource final : public MetricSource {
 public:
  struct Sample {
    std::optional<double> load_per_s;
    std::optional<double> cpu_utilization;
  };
  explicit ScriptedSource(std::vector<Sample> samples) : samples_(std::move(samples)) {}
  std::string_view name() const override { return "scripted"; }
  Observation Read(TimePoint now) override {
    Observation o;
    o.time = now;
    if (next_ < samples_.size()) {
      o.load_per_s = samples_[next_].load_per_s;
      o.cpu_utilization = samples_[next_].cpu_utilization;
    }
    ++next_;
    return o;
  }

 private:
  std::vector<Sample> samples_;
  std::size_t next_ = 0;
};

std::ostream& operator<<(std::ostream& os, const ScriptedSource::Sample& s) {
  using policy::test::operator<<;
  return os << "{load " << s.load_per_s << " cpu " << s.cpu_utilization << "}";
}

rc::Gen<std::vector<ScriptedSource::Sample>> GenSamples() {
  auto sample = rc::gen::map(rc::gen::tuple(GenMetric(400), GenMetric(1.0)), [](const auto& t) {
    return ScriptedSource::Sample{std::get<0>(t), std::get<1>(t)};
  });
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 150), [sample](std::size_t n) {
    return rc::gen::container<std::vector<ScriptedSource::Sample>>(n, sample);
  });
}

struct Loop {
  std::vector<StepRecord> steps;
  std::vector<Observation> observations;  // each step's, kept (records point into the controller)
};

constexpr double kIntervalS = 60;

// The policies under test, with settings where they need some.
struct PolicyCase {
  const char* name;
  const char* policy;
  std::vector<std::pair<std::string, std::string>> params;
};

const PolicyCase kPolicies[] = {
    {"threshold", "threshold", {}},
    {"seed2", "seed2", {}},
    {"hpa", "hpa", {}},
    {"target_tracking", "target-tracking", {}},
    {"predictive", "predictive", {}},
    // A predictor that refuses every connection: the fallback decides, as when the
    // prediction service is down.
    {"classifier_down", "classifier", {{"predictor_url", "http://127.0.0.1:1/predict"}}},
};

Loop RunLoop(const PolicyCase& policy, const Limits& limits, int initial, double cooldown_s,
             const std::vector<ScriptedSource::Sample>& samples) {
  GroupSpec spec;
  spec.name = "prop";
  spec.limits = limits;
  spec.interval = Duration(kIntervalS);
  spec.boot_delay = Duration(120);
  spec.capacity_per_instance = 10;
  spec.cooldown = Duration(cooldown_s);
  PluginSpec policy_spec;
  policy_spec.type = policy.policy;
  for (const auto& [k, v] : policy.params) policy_spec.params.Set(k, v);
  auto parts = Controller::BuildParts(spec, policy_spec, PluginSpec(), PluginSpec());
  RC_ASSERT(parts.ok());
  ScriptedSource source(samples);
  SimulatedCluster cluster(spec.interval, spec.boot_delay, initial, kStart);
  Controller controller(spec, source, cluster, std::move(parts.value()), nullptr);
  Loop loop;
  TimePoint now = kStart;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    now += spec.interval;
    StepRecord s = controller.Step(now);
    loop.observations.push_back(*s.observation);
    s.observation = nullptr;
    s.forecast = nullptr;
    loop.steps.push_back(s);
  }
  return loop;
}

class ControllerProperty : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(ControllerProperty, LimitsCooldownAndNoUnsafeScaleIn) {
  const PolicyCase& policy = GetParam();
  CheckProperty(
      [&] {
        const int min = *rc::gen::inRange(0, 4);
        const Limits limits{min, min + *rc::gen::inRange(1, 30)};
        const int initial = *rc::gen::inRange(limits.min, limits.max + 1);
        const double cooldown_s = *rc::gen::element(0.0, 120.0, 300.0);
        const auto samples = *GenSamples();
        const Loop loop = RunLoop(policy, limits, initial, cooldown_s, samples);
        std::optional<TimePoint> last_action;
        for (std::size_t i = 0; i < loop.steps.size(); ++i) {
          const StepRecord& s = loop.steps[i];
          RC_LOG() << "step " << i << ": " << s.before.desired << " -> " << s.decision.desired
                   << " " << ReasonName(s.decision.reason) << "\n";
          RC_ASSERT(s.decision.desired >= limits.min);
          RC_ASSERT(s.decision.desired <= limits.max);
          if (s.acted) {
            if (last_action) RC_ASSERT((s.time - *last_action).count() >= cooldown_s);
            last_action = s.time;
          }
          const bool shrank = s.decision.desired < limits.Clamp(s.before.desired);
          const ScriptedSource::Sample& in = samples[i];
          if (Unusable(in.load_per_s) && Unusable(in.cpu_utilization)) RC_ASSERT(!shrank);
          if (s.anomaly.anomaly) RC_ASSERT(!shrank);
          // What the sources gave that no one can use is reported as missing.
          const Observation& o = loop.observations[i];
          RC_ASSERT(!o.load_per_s || !Unusable(o.load_per_s));
          RC_ASSERT(!o.cpu_utilization || !Unusable(o.cpu_utilization));
        }
      },
      60);
}

TEST_P(ControllerProperty, SameInputsSameSteps) {
  const PolicyCase& policy = GetParam();
  CheckProperty(
      [&] {
        const auto samples = *GenSamples();
        const Loop a = RunLoop(policy, Limits{1, 20}, 4, 60, samples);
        const Loop b = RunLoop(policy, Limits{1, 20}, 4, 60, samples);
        RC_ASSERT(a.steps.size() == b.steps.size());
        for (std::size_t i = 0; i < a.steps.size(); ++i) {
          RC_ASSERT(a.steps[i].decision.desired == b.steps[i].decision.desired);
          RC_ASSERT(a.steps[i].decision.reason == b.steps[i].decision.reason);
          RC_ASSERT(a.steps[i].acted == b.steps[i].acted);
          RC_ASSERT(a.steps[i].anomaly.anomaly == b.steps[i].anomaly.anomaly);
        }
      },
      30);
}

INSTANTIATE_TEST_SUITE_P(Policies, ControllerProperty, ::testing::ValuesIn(kPolicies),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace prescale
