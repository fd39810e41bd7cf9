// Tests for the `threshold` policy (seed 1's rule): > 75 % -> +1, < 25 % -> -1.
#include "policy/threshold.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "policy/policy_test_util.h"

namespace prescale::policy {
namespace {

using test::Concat;
using test::Cpu;
using test::FlatForecast;
using test::MakeForecast;
using test::MakePolicy;
using test::NoData;
using test::ParamList;
using test::Repeat;
using test::RunSequenceCase;
using test::RunSteps;
using test::SequenceCase;
using test::TestInput;

// One decision from a fresh state.
struct DecisionCase {
  std::string name;
  ParamList params = {};
  std::optional<double> cpu = std::nullopt;
  std::optional<ForecastResult> forecast = std::nullopt;
  int current = 4;
  Limits limits{1, 100};
  bool anomaly = false;
  int want_desired = 0;
  Action want_action = Action::kHold;
  Reason want_reason = Reason::kWithinTolerance;
  double want_recommendation = -1;  // the predicted CPU in %; < 0: not checked
  friend void PrintTo(const DecisionCase& c, std::ostream* os) { *os << c.name; }
};

class ThresholdDecisionTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(ThresholdDecisionTest, Decides) {
  const DecisionCase& c = GetParam();
  std::unique_ptr<Policy> policy = MakePolicy("threshold", c.params);
  ASSERT_NE(policy, nullptr);
  TestInput in;
  in.observation.cpu_utilization = c.cpu;
  in.forecast = c.forecast;
  in.capacity = {c.current, c.current};
  in.limits = c.limits;
  in.anomaly.anomaly = c.anomaly;

  Decision d = test::DecideOnce(*policy, in);
  EXPECT_EQ(d.desired, c.want_desired);
  EXPECT_EQ(d.action, c.want_action);
  EXPECT_EQ(d.reason, c.want_reason) << d.message;
  EXPECT_FALSE(d.message.empty());
  EXPECT_GE(d.desired, c.limits.min);
  EXPECT_LE(d.desired, c.limits.max);
  if (c.want_recommendation >= 0) {
    EXPECT_DOUBLE_EQ(d.recommendation, c.want_recommendation);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ThresholdDecisionTest,
    ::testing::Values(
        // The seed's thresholds on the measured CPU.
        DecisionCase{.name = "HighCpuAddsOne",
                     .cpu = 0.80,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp,
                     .want_recommendation = 80},
        DecisionCase{.name = "LowCpuRemovesOne",
                     .cpu = 0.20,
                     .want_desired = 3,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        DecisionCase{.name = "MiddleHolds", .cpu = 0.50, .want_desired = 4},
        DecisionCase{.name = "ExactlyAtUpperThresholdHolds", .cpu = 0.75, .want_desired = 4},
        DecisionCase{.name = "ExactlyAtLowerThresholdHolds", .cpu = 0.25, .want_desired = 4},
        DecisionCase{.name = "JustAboveUpperThreshold",
                     .cpu = 0.76,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "JustBelowLowerThreshold",
                     .cpu = 0.24,
                     .want_desired = 3,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        // Configurable thresholds and step.
        DecisionCase{.name = "ConfiguredUpThreshold",
                     .params = {{"scale_up_above_pct", "60"}},
                     .cpu = 0.65,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "ConfiguredUpThresholdNotReached",
                     .params = {{"scale_up_above_pct", "90"}},
                     .cpu = 0.85,
                     .want_desired = 4},
        DecisionCase{.name = "ConfiguredDownThreshold",
                     .params = {{"scale_down_below_pct", "40"}},
                     .cpu = 0.35,
                     .want_desired = 3,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        DecisionCase{.name = "ConfiguredDownThresholdNotReached",
                     .params = {{"scale_down_below_pct", "10"}},
                     .cpu = 0.15,
                     .want_desired = 4},
        DecisionCase{.name = "ConfiguredStep",
                     .params = {{"step", "3"}},
                     .cpu = 0.90,
                     .want_desired = 7,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        // The forecast's first step replaces the measurement once it is ready.
        DecisionCase{.name = "ReadyForecastHighScalesUp",
                     .cpu = 0.50,
                     .forecast = MakeForecast({0.90}, {0.95}),
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp,
                     .want_recommendation = 90},
        DecisionCase{.name = "ReadyForecastLowScalesDown",
                     .cpu = 0.90,
                     .forecast = MakeForecast({0.10}, {0.20}),
                     .want_desired = 3,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown,
                     .want_recommendation = 10},
        DecisionCase{.name = "ReadyForecastUsesPointNotUpper",
                     .cpu = 0.50,
                     .forecast = MakeForecast({0.70}, {0.99}),
                     .want_desired = 4,
                     .want_recommendation = 70},
        DecisionCase{.name = "ReadyForecastUsesOnlyTheFirstStep",
                     .cpu = 0.50,
                     .forecast = MakeForecast({0.50, 0.99}, {0.60, 0.99}),
                     .want_desired = 4,
                     .want_recommendation = 50},
        DecisionCase{.name = "WarmingForecastUsesMeasuredCpu",
                     .cpu = 0.50,
                     .forecast = MakeForecast({0.90}, {0.95}, /*ready=*/false),
                     .want_desired = 4,
                     .want_recommendation = 50},
        DecisionCase{.name = "WarmingForecastMeasuredHigh",
                     .cpu = 0.90,
                     .forecast = MakeForecast({0.10}, {0.20}, /*ready=*/false),
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp,
                     .want_recommendation = 90},
        // Limits.
        DecisionCase{.name = "AtMaximum",
                     .cpu = 0.90,
                     .current = 6,
                     .limits = {1, 6},
                     .want_desired = 6,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "StepClampedToMaximum",
                     .params = {{"step", "3"}},
                     .cpu = 0.90,
                     .current = 5,
                     .limits = {1, 6},
                     .want_desired = 6,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "AtMinimum",
                     .cpu = 0.10,
                     .current = 2,
                     .limits = {2, 10},
                     .want_desired = 2,
                     .want_reason = Reason::kAtMinimum},
        DecisionCase{.name = "StepClampedToMinimum",
                     .params = {{"step", "3"}},
                     .cpu = 0.10,
                     .current = 3,
                     .limits = {2, 10},
                     .want_desired = 2,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kAtMinimum},
        // Missing data and anomalies never scale in.
        DecisionCase{.name = "MissingCpuHolds",
                     .cpu = std::nullopt,
                     .want_desired = 4,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "MissingCpuHoldsEvenWithALowReadyForecast",
                     .cpu = std::nullopt,
                     .forecast = MakeForecast({0.05}, {0.10}),
                     .want_desired = 4,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "AnomalyBlocksScaleIn",
                     .cpu = 0.10,
                     .anomaly = true,
                     .want_desired = 4,
                     .want_reason = Reason::kAnomaly},
        DecisionCase{.name = "AnomalyBlocksForecastScaleIn",
                     .cpu = 0.50,
                     .forecast = MakeForecast({0.10}, {0.20}),
                     .anomaly = true,
                     .want_desired = 4,
                     .want_reason = Reason::kAnomaly},
        DecisionCase{.name = "AnomalyAllowsScaleUp",
                     .cpu = 0.90,
                     .anomaly = true,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp}),
    test::CaseName());

// Closed-loop sequences.
class ThresholdSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(ThresholdSequenceTest, Runs) { RunSequenceCase("threshold", GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Table, ThresholdSequenceTest,
    ::testing::Values(
        // Seed 1 has no cooldown: +1 every interval while the CPU stays high.
        SequenceCase{.name = "NoCooldownByDefault",
                     .steps = Repeat(4, Cpu(0.9)),
                     .want_desired = {5, 6, 7, 8},
                     .want_reasons = test::Times(4, Reason::kScaleUp)},
        // cooldown_s = 120 at 60 s: an action, a held interval, an action.
        SequenceCase{.name = "ConfiguredCooldown",
                     .params = {{"cooldown_s", "120"}},
                     .steps = Repeat(5, Cpu(0.9)),
                     .want_desired = {5, 5, 6, 6, 7},
                     .want_reasons = {Reason::kScaleUp, Reason::kCooldown, Reason::kScaleUp,
                                      Reason::kCooldown, Reason::kScaleUp}},
        SequenceCase{.name = "CooldownAppliesToScaleInToo",
                     .params = {{"cooldown_s", "120"}},
                     .steps = Concat({{Cpu(0.9)}, Repeat(3, Cpu(0.1))}),
                     .want_desired = {5, 5, 4, 4},
                     .want_reasons = {Reason::kScaleUp, Reason::kCooldown, Reason::kScaleDown,
                                      Reason::kCooldown}},
        SequenceCase{.name = "ClimbsToMaximumAndStays",
                     .limits = {1, 6},
                     .steps = Repeat(4, Cpu(0.95)),
                     .want_desired = {5, 6, 6, 6},
                     .want_reasons = {Reason::kScaleUp, Reason::kScaleUp, Reason::kAtMaximum,
                                      Reason::kAtMaximum}},
        SequenceCase{.name = "FallsToMinimumAndStays",
                     .limits = {2, 10},
                     .steps = Repeat(4, Cpu(0.05)),
                     .want_desired = {3, 2, 2, 2},
                     .want_reasons = {Reason::kScaleDown, Reason::kScaleDown, Reason::kAtMinimum,
                                      Reason::kAtMinimum}},
        SequenceCase{.name = "MissingDataInTheMiddleHolds",
                     .steps = {Cpu(0.1), NoData(), NoData(), Cpu(0.1)},
                     .want_desired = {3, 3, 3, 2},
                     .want_reasons = {Reason::kScaleDown, Reason::kMissingData,
                                      Reason::kMissingData, Reason::kScaleDown}},
        SequenceCase{.name = "AnomalyHoldsThenScaleInResumes",
                     .steps = {Cpu(0.1).WithAnomaly(), Cpu(0.1).WithAnomaly(), Cpu(0.1)},
                     .want_desired = {4, 4, 3},
                     .want_reasons = {Reason::kAnomaly, Reason::kAnomaly, Reason::kScaleDown}},
        SequenceCase{.name = "ForecastTakesOverWhenReady",
                     .steps = {Cpu(0.5).WithForecast(FlatForecast(0.9, 1, /*ready=*/false)),
                               Cpu(0.5).WithForecast(FlatForecast(0.9, 1))},
                     .want_desired = {4, 5},
                     .want_reasons = {Reason::kWithinTolerance, Reason::kScaleUp}}),
    test::CaseName());

TEST(ThresholdPolicy, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy("threshold", {{"cooldown_s", "90"}});
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps =
      Concat({Repeat(3, Cpu(0.9)),
              {NoData(), Cpu(0.5)},
              Repeat(4, Cpu(0.1)),
              {Cpu(0.1).WithAnomaly(), Cpu(0.5).WithForecast(FlatForecast(0.8, 1))}});
  TestInput start;
  start.limits = {2, 6};
  test::ExpectSameDecisions(RunSteps(*policy, start, steps), RunSteps(*policy, start, steps));
}

TEST(ThresholdPolicy, NeedsAOneStepCpuForecast) {
  std::unique_ptr<Policy> policy = MakePolicy("threshold");
  ASSERT_NE(policy, nullptr);
  PolicyNeeds needs = policy->Needs();
  EXPECT_EQ(needs.forecast_signal, Signal::kCpu);
  EXPECT_EQ(needs.default_forecaster, "linear");
  EXPECT_EQ(needs.horizon_steps, 1);
}

}  // namespace
}  // namespace prescale::policy
