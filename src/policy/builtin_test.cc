// Tests for the policy registry (STYLE.md, point 4: plugins by name, clear errors)
// and for the rules every policy keeps (prescale/policy.h), checked on each
// built-in policy over seeded pseudo-random closed-loop runs.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "policy/policy_test_util.h"
#include "prescale/policy.h"

namespace prescale::policy {
namespace {

using test::CreatePolicy;
using test::MakePolicy;
using test::ParamList;
using test::RunSteps;
using test::RunWithState;
using test::TestInput;

const std::vector<std::string> kAllPolicies = {"classifier", "hpa", "predictive", "seed2", "target-tracking",
                                               "threshold"};

::testing::AssertionResult HasSubstr(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// ---------------------------------------------------------------- the registry

TEST(PolicyRegistry, ListsTheBuiltInPolicies) {
  EXPECT_EQ(Policies().Names(), kAllPolicies);
  for (const std::string& name : kAllPolicies) EXPECT_TRUE(Policies().Contains(name)) << name;
  EXPECT_FALSE(Policies().Contains("hpx"));
}

struct BuiltInCase {
  std::string name;
  Signal want_signal = Signal::kNone;
  friend void PrintTo(const BuiltInCase& c, std::ostream* os) { *os << c.name; }
};

class PolicyBuiltInTest : public ::testing::TestWithParam<BuiltInCase> {};

TEST_P(PolicyBuiltInTest, CreatesWithDefaults) {
  const BuiltInCase& c = GetParam();
  Result<std::unique_ptr<Policy>> created = CreatePolicy(c.name);
  ASSERT_TRUE(created.ok()) << created.status().message();
  const Policy& policy = **created;
  EXPECT_EQ(policy.name(), c.name);
  EXPECT_EQ(policy.Needs().forecast_signal, c.want_signal);
  EXPECT_NE(policy.NewState(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Table, PolicyBuiltInTest,
                         ::testing::Values(BuiltInCase{"hpa", Signal::kNone},
                                           BuiltInCase{"predictive", Signal::kLoad},
                                           BuiltInCase{"seed2", Signal::kNone},
                                           BuiltInCase{"target-tracking", Signal::kNone},
                                           BuiltInCase{"threshold", Signal::kCpu}),
                         [](const ::testing::TestParamInfo<BuiltInCase>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

struct UnknownNameCase {
  std::string name;  // the test's name
  std::string asked;
  std::string want_suggestion;  // empty: none
  friend void PrintTo(const UnknownNameCase& c, std::ostream* os) { *os << c.name; }
};

class PolicyUnknownNameTest : public ::testing::TestWithParam<UnknownNameCase> {};

TEST_P(PolicyUnknownNameTest, ListsTheKnownOnesAndSuggestsTheNearest) {
  const UnknownNameCase& c = GetParam();
  Result<std::unique_ptr<Policy>> created = CreatePolicy(c.asked);
  ASSERT_FALSE(created.ok());
  const std::string message = created.status().message();
  EXPECT_TRUE(HasSubstr(message, "unknown policy '" + c.asked + "'"));
  EXPECT_TRUE(HasSubstr(message, "known: classifier, hpa, predictive, seed2, target-tracking, threshold"));
  if (c.want_suggestion.empty()) {
    EXPECT_FALSE(HasSubstr(message, "did you mean"));
  } else {
    EXPECT_TRUE(HasSubstr(message, "(did you mean '" + c.want_suggestion + "'?)"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyUnknownNameTest,
    ::testing::Values(UnknownNameCase{"Typo", "hpx", "hpa"},
                      UnknownNameCase{"WrongDigit", "seed3", "seed2"},
                      UnknownNameCase{"UnderscoreForDash", "target_tracking", "target-tracking"},
                      UnknownNameCase{"MissingLetter", "predictve", "predictive"},
                      UnknownNameCase{"DroppedLetter", "treshold", "threshold"},
                      UnknownNameCase{"Capitalised", "HPA", ""},
                      UnknownNameCase{"NothingClose", "zzz", ""}, UnknownNameCase{"Empty", "", ""}),
    test::CaseName());

struct UnknownKeyCase {
  std::string name;
  std::string policy;
  std::string key;
  std::string want_suggestion;  // empty: none
  friend void PrintTo(const UnknownKeyCase& c, std::ostream* os) { *os << c.name; }
};

class PolicyUnknownKeyTest : public ::testing::TestWithParam<UnknownKeyCase> {};

TEST_P(PolicyUnknownKeyTest, NamesTheKeyAndSuggestsTheNearest) {
  const UnknownKeyCase& c = GetParam();
  Result<std::unique_ptr<Policy>> created = CreatePolicy(c.policy, {{c.key, "1"}});
  ASSERT_FALSE(created.ok());
  const std::string message = created.status().message();
  EXPECT_TRUE(HasSubstr(message, "policy '" + c.policy + "': '" + c.key + "' is not a known key"));
  if (c.want_suggestion.empty()) {
    EXPECT_FALSE(HasSubstr(message, "did you mean"));
  } else {
    EXPECT_TRUE(HasSubstr(message, "(did you mean '" + c.want_suggestion + "'?)"));
  }
  EXPECT_TRUE(HasSubstr(message, "; known:"));
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyUnknownKeyTest,
    ::testing::Values(UnknownKeyCase{"HpaTolerance", "hpa", "tolerence", "tolerance"},
                      UnknownKeyCase{"HpaBritishSpelling", "hpa", "target_utilisation",
                                     "target_utilization"},
                      UnknownKeyCase{"HpaNothingClose", "hpa", "colour", ""},
                      UnknownKeyCase{"ThresholdMissingSuffix", "threshold", "scale_up_above",
                                     "scale_up_above_pct"},
                      UnknownKeyCase{"Seed2MissingUnit", "seed2", "cooldown", "cooldown_s"},
                      UnknownKeyCase{"TargetTrackingMissingUnit", "target-tracking",
                                     "scale_in_cooldown", "scale_in_cooldown_s"},
                      UnknownKeyCase{"PredictiveTypo", "predictive", "max_headrom", "max_headroom"},
                      UnknownKeyCase{"PredictiveOtherPolicysKey", "predictive", "tolerance", ""}),
    test::CaseName());

TEST(PolicyRegistry, UnknownKeyErrorCarriesItsPosition) {
  Params params("policy 'hpa'");
  params.Set("tolerence", "0.1", SourceMark{"config.yaml", 12, 5});
  Result<std::unique_ptr<Policy>> created = Policies().Create("hpa", params, PolicyContext());
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(HasSubstr(created.status().message(),
                        "config.yaml:12:5: policy 'hpa': 'tolerence' is not a known key (did you "
                        "mean 'tolerance'?)"));
}

struct BadValueCase {
  std::string name;
  std::string policy;
  ParamList params;
  std::string want;  // a part of the message, which names the key
  friend void PrintTo(const BadValueCase& c, std::ostream* os) { *os << c.name; }
};

class PolicyBadValueTest : public ::testing::TestWithParam<BadValueCase> {};

TEST_P(PolicyBadValueTest, IsAnErrorNamingTheKey) {
  const BadValueCase& c = GetParam();
  Result<std::unique_ptr<Policy>> created = CreatePolicy(c.policy, c.params);
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(HasSubstr(created.status().message(), "policy '" + c.policy + "': " + c.want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyBadValueTest,
    ::testing::Values(
        BadValueCase{"HpaTargetAboveOne",
                     "hpa",
                     {{"target_utilization", "1.5"}},
                     "'target_utilization' must be between 0.01 and 1, got 1.5"},
        BadValueCase{"HpaNegativeTolerance",
                     "hpa",
                     {{"tolerance", "-0.1"}},
                     "'tolerance' must be between 0 and 1, got -0.1"},
        BadValueCase{"HpaToleranceNotANumber",
                     "hpa",
                     {{"tolerance", "abc"}},
                     "'tolerance' expects a number, got 'abc'"},
        BadValueCase{"HpaUnknownMetric",
                     "hpa",
                     {{"metric", "memory"}},
                     "'metric' must be 'load' or 'cpu', got 'memory'"},
        BadValueCase{"HpaZeroPeriod",
                     "hpa",
                     {{"scale_up_period_s", "0"}},
                     "'scale_up_period_s' must be between 1 and 3600, got 0"},
        BadValueCase{"HpaCannotGrow",
                     "hpa",
                     {{"scale_up_percent", "0"}, {"scale_up_instances", "0"}},
                     "'scale_up_percent' and scale_up_instances cannot both be 0"},
        BadValueCase{"ThresholdAbove100",
                     "threshold",
                     {{"scale_up_above_pct", "150"}},
                     "'scale_up_above_pct' must be between 0 and 100, got 150"},
        BadValueCase{"ThresholdsCrossed",
                     "threshold",
                     {{"scale_down_below_pct", "80"}},
                     "'scale_down_below_pct' must be below scale_up_above_pct"},
        BadValueCase{"ThresholdZeroStep",
                     "threshold",
                     {{"step", "0"}},
                     "'step' must be between 1 and 1000000, got 0"},
        BadValueCase{"ThresholdNegativeCooldown",
                     "threshold",
                     {{"cooldown_s", "-5"}},
                     "'cooldown_s' must be between 0 and"},
        BadValueCase{"Seed2ZeroConsecutive",
                     "seed2",
                     {{"consecutive_down", "0"}},
                     "'consecutive_down' must be between 1 and 1000000, got 0"},
        BadValueCase{"Seed2FractionalConsecutive",
                     "seed2",
                     {{"consecutive_down", "2.5"}},
                     "'consecutive_down' expects a whole number, got '2.5'"},
        BadValueCase{"Seed2NegativeCooldown",
                     "seed2",
                     {{"cooldown_s", "-1"}},
                     "'cooldown_s' must be between 0 and"},
        BadValueCase{"Seed2ThresholdsCrossed",
                     "seed2",
                     {{"scale_up_above_pct", "20"}, {"scale_down_below_pct", "30"}},
                     "'scale_down_below_pct' must be below scale_up_above_pct"},
        BadValueCase{"TargetTrackingZeroRatio",
                     "target-tracking",
                     {{"scale_in_ratio", "0"}},
                     "'scale_in_ratio' must be between 0.01 and 1, got 0"},
        BadValueCase{"TargetTrackingUnknownMetric",
                     "target-tracking",
                     {{"metric", "rps"}},
                     "'metric' must be 'load' or 'cpu', got 'rps'"},
        BadValueCase{"TargetTrackingZeroDatapoints",
                     "target-tracking",
                     {{"scale_in_datapoints", "0"}},
                     "'scale_in_datapoints' must be between 1 and 100000, got 0"},
        BadValueCase{"TargetTrackingTargetZero",
                     "target-tracking",
                     {{"target_utilization", "0"}},
                     "'target_utilization' must be between 0.01 and 1, got 0"},
        BadValueCase{"PredictiveLowQuantile",
                     "predictive",
                     {{"quantile", "0.3"}},
                     "'quantile' must be between 0.5 and 0.999, got 0.3"},
        BadValueCase{"PredictiveAdaptRateAboveOne",
                     "predictive",
                     {{"adapt_rate", "2"}},
                     "'adapt_rate' must be between 0 and 1, got 2"},
        BadValueCase{"PredictiveHeadroomOutsideItsBounds",
                     "predictive",
                     {{"initial_headroom", "60"}},
                     "'initial_headroom' must be between min_headroom and max_headroom"},
        BadValueCase{"PredictiveNegativeStabilisation",
                     "predictive",
                     {{"scale_in_stabilization_s", "-60"}},
                     "'scale_in_stabilization_s' must be between 0 and 86400, got -60"}),
    test::CaseName());

// ---------------------------------------------------------------- the rules every policy keeps

struct PolicyName {
  std::string name;
  friend void PrintTo(const PolicyName& c, std::ostream* os) { *os << c.name; }
};

std::string TestNameOf(const ::testing::TestParamInfo<PolicyName>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
}

constexpr Limits kSweepLimits{2, 30};
constexpr double kCapacityPerInstance = 10;

// A closed-loop run of `n` intervals from a fixed seed: load in [0, 300] units/s,
// CPU in [0, 1], a 4-step forecast (warming up for the first 5 intervals), with
// 10 % of intervals missing both metrics and 10 % flagged as anomalies.
std::vector<test::Step> SweepSteps(std::uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> load(0, 300);
  std::uniform_real_distribution<double> cpu(0, 1);
  std::uniform_real_distribution<double> spread(1.0, 1.5);
  std::bernoulli_distribution missing(0.1);
  std::bernoulli_distribution anomaly(0.1);
  std::vector<test::Step> steps;
  for (int i = 0; i < n; ++i) {
    test::Step s;
    if (!missing(rng)) {
      s.load_per_s = load(rng);
      s.cpu_utilization = cpu(rng);
    }
    std::vector<double> point;
    std::vector<double> upper;
    for (int h = 0; h < 4; ++h) {
      point.push_back(load(rng));
      upper.push_back(point.back() * spread(rng));
    }
    // The one-step CPU forecast of `threshold` reads point[0] as a utilisation.
    point[0] = cpu(rng);
    s.forecast = test::MakeForecast(point, upper, /*ready=*/i >= 5);
    s.anomaly = anomaly(rng);
    steps.push_back(s);
  }
  return steps;
}

TestInput SweepStart() {
  TestInput start;
  start.capacity = {5, 5};
  start.limits = kSweepLimits;
  start.capacity_per_instance = kCapacityPerInstance;
  return start;
}

class PolicyContractTest : public ::testing::TestWithParam<PolicyName> {};

TEST_P(PolicyContractTest, KeepsLimitsAndNeverScalesInOnMissingDataOrAnomaly) {
  std::unique_ptr<Policy> policy = MakePolicy(GetParam().name);
  ASSERT_NE(policy, nullptr);
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::vector<test::Step> steps = SweepSteps(seed, 300);
    std::vector<Decision> got = RunSteps(*policy, SweepStart(), steps);
    int current = SweepStart().capacity.desired;
    for (std::size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE("step " + std::to_string(i));
      const Decision& d = got[i];
      EXPECT_GE(d.desired, kSweepLimits.min);
      EXPECT_LE(d.desired, kSweepLimits.max);
      EXPECT_EQ(d.action, ActionFor(d.desired, current));
      EXPECT_FALSE(d.message.empty());
      if (!steps[i].load_per_s && !steps[i].cpu_utilization) {
        EXPECT_GE(d.desired, current);
        EXPECT_EQ(d.reason, Reason::kMissingData);
      }
      if (steps[i].anomaly) {
        EXPECT_GE(d.desired, current);
      }
      current = d.desired;
    }
  }
}

TEST_P(PolicyContractTest, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy(GetParam().name);
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps = SweepSteps(7, 300);
  test::ExpectSameDecisions(RunSteps(*policy, SweepStart(), steps),
                            RunSteps(*policy, SweepStart(), steps));
}

// The controller keeps a committed and a working copy of the state: a copy taken
// mid-run must carry on exactly as the original.
TEST_P(PolicyContractTest, CopiedStateCarriesOnIdentically) {
  std::unique_ptr<Policy> policy = MakePolicy(GetParam().name);
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps = SweepSteps(11, 300);
  std::vector<test::Step> first(steps.begin(), steps.begin() + 150);
  std::vector<test::Step> second(steps.begin() + 150, steps.end());

  std::unique_ptr<PolicyState> original = policy->NewState();
  TestInput in = SweepStart();
  RunWithState(*policy, *original, in, first);
  std::unique_ptr<PolicyState> copy = policy->NewState();
  copy->CopyFrom(*original);
  TestInput in_copy = in;
  test::ExpectSameDecisions(RunWithState(*policy, *original, in, second),
                            RunWithState(*policy, *copy, in_copy, second));
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyContractTest,
                         ::testing::Values(PolicyName{"hpa"}, PolicyName{"predictive"},
                                           PolicyName{"seed2"}, PolicyName{"target-tracking"},
                                           PolicyName{"threshold"}),
                         TestNameOf);

// The limits rule holds even when the group is outside its limits (say, the
// limits changed, or the group was resized by hand).
struct OutsideLimitsCase {
  std::string name;
  std::string policy;
  int capacity = 0;
  bool missing = false;  // both metrics missing
  friend void PrintTo(const OutsideLimitsCase& c, std::ostream* os) { *os << c.name; }
};

class PolicyOutsideLimitsTest : public ::testing::TestWithParam<OutsideLimitsCase> {};

TEST_P(PolicyOutsideLimitsTest, DesiredIsWithinLimits) {
  const OutsideLimitsCase& c = GetParam();
  std::unique_ptr<Policy> policy = MakePolicy(c.policy);
  ASSERT_NE(policy, nullptr);
  TestInput in;
  in.capacity = {c.capacity, c.capacity};
  in.limits = {1, 10};
  if (!c.missing) {
    // Inputs that ask for no change of a group of 12: hpa's load is 12 instances
    // at target, target-tracking's utilisation is at target, the CPU is between
    // the thresholds, and the forecast peak wants 12.
    in.observation.load_per_s = 72;
    in.observation.cpu_utilization = 0.5;
    in.forecast = test::FlatForecast(109);
  }
  Decision d = test::DecideOnce(*policy, in);
  EXPECT_GE(d.desired, in.limits.min) << ReasonName(d.reason) << ": " << d.message;
  EXPECT_LE(d.desired, in.limits.max) << ReasonName(d.reason) << ": " << d.message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, PolicyOutsideLimitsTest,
    ::testing::Values(OutsideLimitsCase{"HpaAboveMax", "hpa", 12},
                      OutsideLimitsCase{"PredictiveAboveMax", "predictive", 12},
                      OutsideLimitsCase{"Seed2AboveMax", "seed2", 12},
                      OutsideLimitsCase{"TargetTrackingAboveMax", "target-tracking", 12},
                      OutsideLimitsCase{"ThresholdAboveMax", "threshold", 12},
                      OutsideLimitsCase{"HpaBelowMinMissingData", "hpa", 0, true},
                      OutsideLimitsCase{"PredictiveBelowMinMissingData", "predictive", 0, true},
                      OutsideLimitsCase{"Seed2BelowMinMissingData", "seed2", 0, true},
                      OutsideLimitsCase{"TargetTrackingBelowMinMissingData", "target-tracking", 0,
                                        true},
                      OutsideLimitsCase{"ThresholdBelowMinMissingData", "threshold", 0, true}),
    test::CaseName());

}  // namespace
}  // namespace prescale::policy
