// Helpers for the policy tests (STYLE.md, point 10): inputs that own what a
// PolicyInput points at, policies made by name through the registry, and a closed
// loop that runs a policy over a sequence of steps on a simulated timeline. Time
// moves only by the decision interval; nothing here reads a clock or sleeps.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prescale/classifier.h"
#include "prescale/decision.h"
#include "prescale/forecaster.h"
#include "prescale/observation.h"
#include "prescale/params.h"
#include "prescale/policy.h"

namespace prescale {

// So that gtest prints reasons and actions by name in failure messages.
inline void PrintTo(Reason r, std::ostream* os) { *os << ReasonName(r); }
inline void PrintTo(Action a, std::ostream* os) { *os << ActionName(a); }

namespace policy::test {

// A fixed, arbitrary start, so that no test depends on the epoch or the wall clock.
inline const TimePoint kStart = FromEpochSeconds(1'700'000'000);

// A policy's settings as a config block would give them: key, text value.
using ParamList = std::vector<std::pair<std::string, std::string>>;

inline Params MakeParams(std::string_view policy, const ParamList& settings) {
  Params params("policy '" + std::string(policy) + "'");
  for (const auto& [key, value] : settings) params.Set(key, value);
  return params;
}

// Creates the policy `name` from the registry, as a config file would.
inline Result<std::unique_ptr<Policy>> CreatePolicy(std::string_view name,
                                                    const ParamList& settings = {},
                                                    Duration interval = Duration(60),
                                                    Duration boot_delay = Duration(180)) {
  PolicyContext context;
  context.interval = interval;
  context.boot_delay = boot_delay;
  return Policies().Create(name, MakeParams(name, settings), context);
}

// As CreatePolicy, for settings that must be valid: on an error it fails the
// current test and returns null (callers ASSERT_NE on it).
inline std::unique_ptr<Policy> MakePolicy(std::string_view name, const ParamList& settings = {},
                                          Duration interval = Duration(60),
                                          Duration boot_delay = Duration(180)) {
  Result<std::unique_ptr<Policy>> created = CreatePolicy(name, settings, interval, boot_delay);
  if (!created.ok()) {
    ADD_FAILURE() << "creating policy '" << name << "': " << created.status().message();
    return nullptr;
  }
  return std::move(created).value();
}

inline ForecastResult MakeForecast(std::vector<double> point, std::vector<double> upper,
                                   bool ready = true) {
  ForecastResult f;
  f.point = std::move(point);
  f.upper = std::move(upper);
  f.ready = ready;
  return f;
}

// A forecast whose point and upper bound are `value` at each of `horizon` steps.
inline ForecastResult FlatForecast(double value, int horizon = 4, bool ready = true) {
  std::vector<double> v(static_cast<std::size_t>(horizon), value);
  return MakeForecast(v, v, ready);
}

// Everything one Decide() sees. Owns the observation and the forecast that the
// PolicyInput points at, so that a case is one plain value.
struct TestInput {
  TimePoint now = kStart;
  Duration interval{60};
  Observation observation;
  CapacityStatus capacity{4, 4};
  Limits limits{1, 100};
  double capacity_per_instance = 10;
  std::optional<ForecastResult> forecast;
  AnomalyResult anomaly;
  std::optional<ClassifierVerdict> classification;  // for policies that need one

  // Points into *this: valid while *this lives and `forecast` is not reset.
  PolicyInput Get() const {
    PolicyInput in;
    in.now = now;
    in.interval = interval;
    in.observation = &observation;
    in.capacity = capacity;
    in.limits = limits;
    in.capacity_per_instance = capacity_per_instance;
    in.forecast = forecast ? &*forecast : nullptr;
    in.anomaly = anomaly;
    in.classification = classification ? &*classification : nullptr;
    return in;
  }
};

// One decision from a fresh state.
inline Decision DecideOnce(const Policy& policy, const TestInput& input) {
  std::unique_ptr<PolicyState> state = policy.NewState();
  return policy.Decide(input.Get(), *state);
}

// One interval of a closed-loop run: what the sources, the forecaster and the
// detector report at its end.
struct Step {
  std::optional<double> load_per_s;
  std::optional<double> cpu_utilization;
  std::optional<ForecastResult> forecast;
  bool anomaly = false;
  std::optional<int> ready;  // instances ready now; by default all that are desired
  std::optional<ClassifierVerdict> classification;

  Step WithForecast(ForecastResult f) const {
    Step s = *this;
    s.forecast = std::move(f);
    return s;
  }
  Step WithAnomaly() const {
    Step s = *this;
    s.anomaly = true;
    return s;
  }
  Step WithReady(int n) const {
    Step s = *this;
    s.ready = n;
    return s;
  }
};

inline Step Load(double load_per_s) {
  Step s;
  s.load_per_s = load_per_s;
  return s;
}
inline Step Cpu(double utilization) {
  Step s;
  s.cpu_utilization = utilization;
  return s;
}
// Both metrics missing.
inline Step NoData() { return Step(); }

inline std::vector<Step> Repeat(int n, const Step& step) {
  return std::vector<Step>(static_cast<std::size_t>(n), step);
}

inline std::vector<Step> Concat(std::initializer_list<std::vector<Step>> parts) {
  std::vector<Step> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

// Runs `policy` with `state` over `steps`, one decision per interval starting at
// `in.now`. Each decision's desired becomes the next capacity, with ready equal to
// desired unless a step says otherwise. Leaves `in` as the next step would see it,
// so that a run can be continued. `seen` (may be null) gets what each decision saw.
inline std::vector<Decision> RunWithState(const Policy& policy, PolicyState& state, TestInput& in,
                                          const std::vector<Step>& steps,
                                          std::vector<TestInput>* seen = nullptr) {
  std::vector<Decision> decisions;
  decisions.reserve(steps.size());
  for (const Step& step : steps) {
    in.observation = Observation();
    in.observation.time = in.now;
    in.observation.load_per_s = step.load_per_s;
    in.observation.cpu_utilization = step.cpu_utilization;
    in.forecast = step.forecast;
    in.anomaly = AnomalyResult{step.anomaly ? 1.0 : 0.0, step.anomaly};
    in.classification = step.classification;
    if (step.ready) in.capacity.ready = *step.ready;
    Decision d = policy.Decide(in.Get(), state);
    decisions.push_back(d);
    if (seen != nullptr) seen->push_back(in);
    in.capacity = CapacityStatus{d.desired, d.desired};
    in.now += in.interval;
  }
  return decisions;
}

// As RunWithState, from a fresh state. `start` gives the first time, the interval,
// the first capacity, the limits and the capacity per instance.
inline std::vector<Decision> RunSteps(const Policy& policy, const TestInput& start,
                                      const std::vector<Step>& steps) {
  std::unique_ptr<PolicyState> state = policy.NewState();
  TestInput in = start;
  return RunWithState(policy, *state, in, steps);
}

inline std::vector<int> Desireds(const std::vector<Decision>& decisions) {
  std::vector<int> out;
  for (const Decision& d : decisions) out.push_back(d.desired);
  return out;
}

inline std::vector<Reason> Reasons(const std::vector<Decision>& decisions) {
  std::vector<Reason> out;
  for (const Decision& d : decisions) out.push_back(d.reason);
  return out;
}

inline std::vector<Action> Actions(const std::vector<Decision>& decisions) {
  std::vector<Action> out;
  for (const Decision& d : decisions) out.push_back(d.action);
  return out;
}

// `n` copies of `r`, for writing expected reasons compactly.
inline std::vector<Reason> Times(int n, Reason r) {
  return std::vector<Reason>(static_cast<std::size_t>(n), r);
}
inline std::vector<int> Times(int n, int desired) {
  return std::vector<int>(static_cast<std::size_t>(n), desired);
}
template <class T>
std::vector<T> Join(std::initializer_list<std::vector<T>> parts) {
  std::vector<T> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

// Same decisions, field by field (bit-identical recommendations: decisions are pure).
inline void ExpectSameDecisions(const std::vector<Decision>& a, const std::vector<Decision>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    EXPECT_EQ(a[i].desired, b[i].desired);
    EXPECT_EQ(a[i].action, b[i].action);
    EXPECT_EQ(a[i].reason, b[i].reason);
    EXPECT_EQ(a[i].message, b[i].message);
    EXPECT_EQ(a[i].recommendation, b[i].recommendation);
  }
}

// Every desired within `limits`.
inline void ExpectWithinLimits(const std::vector<Decision>& decisions, const Limits& limits) {
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    EXPECT_GE(decisions[i].desired, limits.min) << "step " << i;
    EXPECT_LE(decisions[i].desired, limits.max) << "step " << i;
  }
}

// One closed-loop run of a policy, checked: a row of a policy's sequence table.
struct SequenceCase {
  std::string name;
  double interval_s = 60;
  ParamList params = {};
  int start = 4;  // the first capacity, desired and ready
  Limits limits{1, 100};
  double capacity_per_instance = 10;
  std::vector<Step> steps = {};
  std::vector<int> want_desired = {};
  std::vector<Reason> want_reasons = {};                        // empty: not checked
  std::vector<std::pair<int, std::string>> want_messages = {};  // step, message
  friend void PrintTo(const SequenceCase& c, std::ostream* os) { *os << c.name; }
};

// Creates `policy` with the case's settings and interval, runs it over the case's
// steps from a fresh state, and checks the desireds, the reasons and messages that
// the case gives, and that every desired is within the limits.
inline void RunSequenceCase(std::string_view policy, const SequenceCase& c) {
  const Duration interval(c.interval_s);
  std::unique_ptr<Policy> created = MakePolicy(policy, c.params, interval);
  ASSERT_NE(created, nullptr);
  TestInput start;
  start.interval = interval;
  start.capacity = {c.start, c.start};
  start.limits = c.limits;
  start.capacity_per_instance = c.capacity_per_instance;
  std::vector<Decision> got = RunSteps(*created, start, c.steps);
  EXPECT_EQ(Desireds(got), c.want_desired);
  if (!c.want_reasons.empty()) {
    EXPECT_EQ(Reasons(got), c.want_reasons);
  }
  for (const auto& [step, message] : c.want_messages) {
    ASSERT_LT(static_cast<std::size_t>(step), got.size());
    EXPECT_EQ(got[static_cast<std::size_t>(step)].message, message) << "step " << step;
  }
  ExpectWithinLimits(got, c.limits);
}

// Names TEST_P instances after the case's `name` field.
struct CaseName {
  template <class Case>
  std::string operator()(const ::testing::TestParamInfo<Case>& info) const {
    return info.param.name;
  }
};

}  // namespace policy::test
}  // namespace prescale
