// Tests for the `predictive` policy: sized for the forecast's upper peak over the
// boot horizon times a learned headroom, with the load now as a floor, and a
// stabilised scale-in.
#include "policy/predictive.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "policy/policy_test_util.h"

namespace prescale::policy {
namespace {

using test::Concat;
using test::Desireds;
using test::FlatForecast;
using test::Join;
using test::Load;
using test::MakeForecast;
using test::MakePolicy;
using test::NoData;
using test::ParamList;
using test::Repeat;
using test::RunSequenceCase;
using test::RunSteps;
using test::SequenceCase;
using test::TestInput;
using test::Times;

// Capacity per instance is 10 units/s and the default target utilisation 1.0.
// The headroom starts at 1.1, and each decision first learns from the interval just
// served: log h += 0.05 * (short - 0.007) (the SLO's 1 % times the aim fraction 0.7).
// After one interval that was not short it is 1.1 * exp(-0.00035) = 1.0996150...,
// so a peak of 100 needs ceil(10.996) = 11.
constexpr double kHeadroomAfterOneStep = 1.0996150673768543;

struct DecisionCase {
  std::string name;
  ParamList params = {};
  std::optional<double> load = 50;
  std::optional<ForecastResult> forecast = std::nullopt;
  int current = 10;
  int ready = -1;  // < 0: equal to current
  Limits limits{1, 100};
  double capacity_per_instance = 10;
  bool anomaly = false;
  int want_desired = 0;
  Action want_action = Action::kHold;
  Reason want_reason = Reason::kForecast;
  double want_recommendation = -1;  // < 0: not checked
  friend void PrintTo(const DecisionCase& c, std::ostream* os) { *os << c.name; }
};

class PredictiveDecisionTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(PredictiveDecisionTest, Decides) {
  const DecisionCase& c = GetParam();
  std::unique_ptr<Policy> policy = MakePolicy("predictive", c.params);
  ASSERT_NE(policy, nullptr);
  TestInput in;
  in.observation.load_per_s = c.load;
  in.forecast = c.forecast;
  in.capacity = {c.current, c.ready < 0 ? c.current : c.ready};
  in.limits = c.limits;
  in.capacity_per_instance = c.capacity_per_instance;
  in.anomaly.anomaly = c.anomaly;

  Decision d = test::DecideOnce(*policy, in);
  EXPECT_EQ(d.desired, c.want_desired);
  EXPECT_EQ(d.action, c.want_action);
  EXPECT_EQ(d.reason, c.want_reason) << d.message;
  EXPECT_GE(d.desired, c.limits.min);
  EXPECT_LE(d.desired, c.limits.max);
  if (c.want_recommendation >= 0) {
    EXPECT_NEAR(d.recommendation, c.want_recommendation, 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PredictiveDecisionTest,
    ::testing::Values(
        // The forecast peak: max(upper) over the horizon, times the headroom.
        DecisionCase{.name = "SizesForTheForecastPeak",
                     .forecast = MakeForecast({50, 70, 90, 60}, {60, 80, 100, 70}),
                     .want_desired = 11,
                     .want_action = Action::kScaleUp,
                     .want_recommendation = 100 * kHeadroomAfterOneStep / 10},
        DecisionCase{.name = "PeakAtTheFirstStep",
                     .forecast = MakeForecast({90, 10, 10, 10}, {100, 20, 20, 20}),
                     .want_desired = 11,
                     .want_action = Action::kScaleUp},
        DecisionCase{.name = "PeakAtTheLastStep",
                     .forecast = MakeForecast({10, 10, 10, 90}, {20, 20, 20, 100}),
                     .want_desired = 11,
                     .want_action = Action::kScaleUp},
        DecisionCase{.name = "UsesTheUpperBoundNotThePoint",
                     .forecast = MakeForecast({100, 100, 100, 100}, {150, 150, 150, 150}),
                     .want_desired = 17,  // 150 * 1.09973 / 10 = 16.5
                     .want_action = Action::kScaleUp,
                     .want_recommendation = 150 * kHeadroomAfterOneStep / 10},
        DecisionCase{.name = "HoldsWhenTheGroupFitsThePeak",
                     .forecast = FlatForecast(100),
                     .current = 11,
                     .want_desired = 11},
        DecisionCase{.name = "ConfiguredTargetUtilization",
                     .params = {{"target_utilization", "0.5"}},
                     .forecast = FlatForecast(100),
                     .want_desired = 22,  // 100 * 1.09973 / 5 = 21.99
                     .want_action = Action::kScaleUp},
        DecisionCase{.name = "ConfiguredInitialHeadroom",
                     .params = {{"initial_headroom", "2"}},
                     .forecast = FlatForecast(100),
                     .want_desired = 20,  // 100 * 2 * exp(-0.00025) / 10 = 19.995
                     .want_action = Action::kScaleUp},
        // The reactive floor: the load now at the target utilisation.
        DecisionCase{.name = "ReactiveFloorWinsWhenTheLoadExceedsTheForecast",
                     .load = 80,
                     .forecast = FlatForecast(30),  // 30 * 1.09973 / 10 = 3.3 -> 4
                     .current = 5,
                     .ready = 10,
                     .want_desired = 8,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kReactiveFloor},
        DecisionCase{.name = "ReadyForecastWithoutStepsFallsToTheReactiveFloor",
                     .forecast = MakeForecast({}, {}),
                     .current = 3,
                     .ready = 3,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kReactiveFloor},
        // Warming up: the load now, with headroom.
        DecisionCase{.name = "WarmingUpSizesFromTheLoadNow",
                     .forecast = FlatForecast(500, 4, /*ready=*/false),
                     .current = 5,
                     .want_desired = 6,  // 50 * 1.09973 / 10 = 5.5
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kWarmingUp,
                     .want_recommendation = 50 * kHeadroomAfterOneStep / 10},
        DecisionCase{.name = "NoForecastSizesFromTheLoadNow",
                     .current = 5,
                     .want_desired = 6,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kWarmingUp},
        DecisionCase{.name = "ScaleInOnAFreshState",
                     .forecast = FlatForecast(100),
                     .current = 20,
                     .want_desired = 11,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        // Limits.
        DecisionCase{.name = "ClampedToMaximum",
                     .forecast = FlatForecast(200),
                     .limits = {1, 15},
                     .want_desired = 15,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "AtMaximumHolds",
                     .forecast = FlatForecast(200),
                     .current = 15,
                     .limits = {1, 15},
                     .want_desired = 15,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "ClampedToMinimum",
                     .load = 10,
                     .forecast = FlatForecast(10),
                     .current = 8,
                     .limits = {5, 100},
                     .want_desired = 5,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kAtMinimum},
        DecisionCase{.name = "AtMinimumHolds",
                     .load = 10,
                     .forecast = FlatForecast(10),
                     .current = 5,
                     .limits = {5, 100},
                     .want_desired = 5,
                     .want_reason = Reason::kAtMinimum},
        // Missing data and anomalies never scale in.
        DecisionCase{.name = "MissingLoadHolds",
                     .load = std::nullopt,
                     .forecast = FlatForecast(10),
                     .current = 20,
                     .want_desired = 20,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "UnknownCapacityPerInstanceHolds",
                     .forecast = FlatForecast(10),
                     .current = 20,
                     .capacity_per_instance = 0,
                     .want_desired = 20,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "AnomalyBlocksScaleIn",
                     .forecast = FlatForecast(100),
                     .current = 20,
                     .anomaly = true,
                     .want_desired = 20,
                     .want_reason = Reason::kAnomaly},
        DecisionCase{.name = "AnomalyAllowsScaleUp",
                     .forecast = FlatForecast(100),
                     .current = 5,
                     .anomaly = true,
                     .want_desired = 11,
                     .want_action = Action::kScaleUp}),
    test::CaseName());

class PredictiveSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(PredictiveSequenceTest, Runs) { RunSequenceCase("predictive", GetParam()); }

// Load 50 now, with a flat forecast of `peak`.
test::Step Peak(double peak) { return Load(50).WithForecast(FlatForecast(peak)); }

INSTANTIATE_TEST_SUITE_P(
    Table, PredictiveSequenceTest,
    ::testing::Values(
        // Scale-in takes the max need of the last 300 s.
        SequenceCase{.name = "ScaleInHeldForTheStabilisationWindow",
                     .start = 20,
                     .limits = {1, 1000},
                     .steps = Concat({{Peak(180)}, Repeat(5, Peak(50))}),
                     .want_desired = {20, 20, 20, 20, 20, 6},
                     .want_reasons = Join<Reason>({{Reason::kForecast},
                                                   Times(4, Reason::kStabilized),
                                                   {Reason::kScaleDown}})},
        //   t:    0   60  120 180 240 300 360 420
        //   need: 20  14  9   6   6   6   6   6
        SequenceCase{.name = "ScaleInStepsDownThroughTheWindowMax",
                     .start = 20,
                     .limits = {1, 1000},
                     .steps = Concat({{Peak(180), Peak(120), Peak(80)}, Repeat(5, Peak(50))}),
                     .want_desired = {20, 20, 20, 20, 20, 14, 9, 6},
                     .want_reasons = Join<Reason>({{Reason::kForecast},
                                                   Times(6, Reason::kStabilized),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "ConfiguredStabilisation",
                     .params = {{"scale_in_stabilization_s", "120"}},
                     .start = 20,
                     .limits = {1, 1000},
                     .steps = Concat({{Peak(180)}, Repeat(2, Peak(50))}),
                     .want_desired = {20, 20, 6}},
        SequenceCase{.name = "NoStabilisation",
                     .params = {{"scale_in_stabilization_s", "0"}},
                     .start = 20,
                     .limits = {1, 1000},
                     .steps = {Peak(180), Peak(50)},
                     .want_desired = {20, 6}},
        SequenceCase{.name = "ScaleUpIsNotStabilised",
                     .start = 6,
                     .limits = {1, 1000},
                     .steps = {Peak(50), Peak(180)},
                     .want_desired = {6, 20},
                     .want_reasons = {Reason::kForecast, Reason::kForecast}},
        SequenceCase{
            .name = "WarmUpThenForecast",
            .start = 5,
            .limits = {1, 1000},
            .steps = {Load(50).WithForecast(FlatForecast(500, 4, /*ready=*/false)), Peak(100)},
            .want_desired = {6, 11},
            .want_reasons = {Reason::kWarmingUp, Reason::kForecast}},
        // The learned headroom. Short intervals (load 50 > 4 ready * 10: the group the
        // policy follows was short): log h grows by 0.05 * 0.993 each, from 1.1 up to
        // max_headroom 4; peak 100 needs ceil(10 * h): 11.56, 12.15, 12.77, ... 38.3,
        // then 4.0 -> 40.
        SequenceCase{.name = "HeadroomGrowsAfterShortIntervals",
                     .params = {{"max_headroom", "4"}},
                     .start = 10,
                     .limits = {1, 1000},
                     .steps = Repeat(28, Peak(100).WithReady(4)),
                     .want_desired = {12, 13, 13, 14, 15, 15, 16, 17, 18, 19, 19, 20, 21, 23,
                                      24, 25, 26, 27, 29, 30, 32, 33, 35, 37, 39, 40, 40, 40}},
        // Intervals that were not short: log h shrinks by 0.05 * 0.007 each, so peak
        // 1000 needs ceil(100 * 1.1 * exp(-0.00035 k)): 110 until k = 27 (108.98).
        SequenceCase{.name = "HeadroomShrinksSlowlyOtherwise",
                     .params = {{"scale_in_stabilization_s", "0"}},
                     .start = 110,
                     .limits = {1, 1000},
                     .steps = Repeat(40, Peak(1000)),
                     .want_desired = Join<int>({Times(26, 110), Times(14, 109)})},
        // Missing data holds and teaches the headroom nothing.
        SequenceCase{
            .name = "MissingDataHolds",
            .start = 20,
            .limits = {1, 1000},
            .steps = Concat({Repeat(3, NoData()), {Peak(100)}}),
            .want_desired = {20, 20, 20, 11},
            .want_reasons = Join<Reason>({Times(3, Reason::kMissingData), {Reason::kScaleDown}})},
        SequenceCase{
            .name = "AnomalyBlocksScaleIn",
            .start = 20,
            .limits = {1, 1000},
            .steps = Concat({Repeat(3, Peak(50).WithAnomaly()), {Peak(50)}}),
            .want_desired = {20, 20, 20, 6},
            .want_reasons = Join<Reason>({Times(3, Reason::kAnomaly), {Reason::kScaleDown}})},
        SequenceCase{.name = "ClimbsToMaximum",
                     .start = 5,
                     .limits = {1, 15},
                     .steps = Repeat(2, Peak(200)),
                     .want_desired = {15, 15},
                     .want_reasons = Times(2, Reason::kAtMaximum)}),
    test::CaseName());

TEST(PredictivePolicy, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps =
      Concat({{Load(50).WithForecast(FlatForecast(60, 4, /*ready=*/false)), Load(50)},
              Repeat(3, Peak(300).WithReady(3)),
              {NoData(), Peak(40).WithAnomaly()},
              Repeat(8, Peak(40)),
              {Load(120).WithForecast(MakeForecast({30, 40}, {50, 60}))}});
  TestInput start;
  start.capacity = {3, 3};
  start.limits = {2, 40};
  test::ExpectSameDecisions(RunSteps(*policy, start, steps), RunSteps(*policy, start, steps));
}

// adapt_rate 1: log h falls by 0.007 per interval that was not short, and stops at
// min_headroom 0.7 after 65 of them: 1.1 * exp(-0.448) = 0.7028 -> 71 at step 63,
// then 0.7 -> 70 for good.
TEST(PredictivePolicy, HeadroomStopsAtTheMinimum) {
  std::unique_ptr<Policy> policy =
      MakePolicy("predictive", {{"scale_in_stabilization_s", "0"}, {"adapt_rate", "1"}});
  ASSERT_NE(policy, nullptr);
  TestInput start;
  start.capacity = {110, 110};
  start.limits = {1, 1000};
  std::vector<int> got = Desireds(RunSteps(*policy, start, Repeat(120, Peak(1000))));
  ASSERT_EQ(got.size(), 120u);
  EXPECT_EQ(got[0], 110);  // 1.1 * exp(-0.007) = 1.0923
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LE(got[i], got[i - 1]) << "step " << i;
  EXPECT_EQ(got[63], 71);
  EXPECT_EQ(std::vector<int>(got.begin() + 64, got.end()), Times(56, 70));
}

// What the controller must prepare: a load forecast over the boot horizon.
struct NeedsCase {
  std::string name;
  double interval_s = 60;
  double boot_delay_s = 180;
  ParamList params = {};
  int want_horizon = 0;
  double want_quantile = 0.9;
  friend void PrintTo(const NeedsCase& c, std::ostream* os) { *os << c.name; }
};

class PredictiveNeedsTest : public ::testing::TestWithParam<NeedsCase> {};

TEST_P(PredictiveNeedsTest, AsksForTheBootHorizon) {
  const NeedsCase& c = GetParam();
  std::unique_ptr<Policy> policy =
      MakePolicy("predictive", c.params, Duration(c.interval_s), Duration(c.boot_delay_s));
  ASSERT_NE(policy, nullptr);
  PolicyNeeds needs = policy->Needs();
  EXPECT_EQ(needs.forecast_signal, Signal::kLoad);
  EXPECT_EQ(needs.default_forecaster, "auto");
  EXPECT_EQ(needs.horizon_steps, c.want_horizon);
  EXPECT_DOUBLE_EQ(needs.quantile, c.want_quantile);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PredictiveNeedsTest,
    ::testing::Values(NeedsCase{.name = "Boot180Every60", .want_horizon = 4},
                      NeedsCase{.name = "Boot180Every10", .interval_s = 10, .want_horizon = 19},
                      NeedsCase{.name = "Boot200Every30",
                                .interval_s = 30,
                                .boot_delay_s = 200,
                                .want_horizon = 8},
                      NeedsCase{.name = "NoBootDelay", .boot_delay_s = 0, .want_horizon = 1},
                      NeedsCase{.name = "ConfiguredQuantile",
                                .params = {{"quantile", "0.95"}},
                                .want_horizon = 4,
                                .want_quantile = 0.95}),
    test::CaseName());

// ---------------------------------------------------------------- candidates


// A forecast with the five members of the `auto` ensemble: Holt-Winters forecasting
// `expensive`, the others `cheap`, each flat over the horizon, with `upper` 10 %
// above the point.
ForecastResult Ensemble(double expensive, double cheap, int horizon = 4) {
  const std::vector<std::string_view> names = {"holt-winters daily", "seasonal-naive", "naive",
                                               "recent-max", "percentile"};
  ForecastResult f = FlatForecast(expensive, horizon);
  f.model = names[0];
  for (std::size_t m = 0; m < names.size(); ++m) {
    const double v = m == 0 ? expensive : cheap;
    ForecastResult member = MakeForecast(std::vector<double>(horizon, v),
                                         std::vector<double>(horizon, v * 1.1));
    member.model = names[m];
    f.members.push_back(member);
  }
  return f;
}

TestInput Start() {
  TestInput in;
  in.capacity = {20, 20};
  in.limits = {1, 1000};
  return in;
}

// The load is a steady 50 units/s (5 instances of 10). Holt-Winters (candidate 0's
// model) sees 150; the other members see the truth. Every candidate meets the SLO (no
// interval is short), so once the burn-in and the evidence are past, the group
// follows a cheaper one.
TEST(PredictiveCandidates, FollowTheCheapestWithinTheSLO) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  const std::vector<Decision> got =
      RunSteps(*policy, Start(), Repeat(600, Load(50).WithForecast(Ensemble(150, 50))));
  // Until the switch: candidate 0, Holt-Winters' upper quantile x headroom.
  const std::int64_t before = PredictivePolicy::kBurnInSteps - 1;
  EXPECT_EQ(got[before].model, "holt-winters daily");
  EXPECT_EQ(got[before].sizing, "upper quantile x headroom (stabilised)");
  EXPECT_GE(got[before].desired, 165 / 10);
  // After: a member that forecasts 50, at 5 or 6 instances, and it says so.
  const Decision& last = got.back();
  EXPECT_NE(last.model, "holt-winters daily");
  EXPECT_FALSE(last.sizing.empty());
  EXPECT_GE(last.desired, 5);
  EXPECT_LE(last.desired, 6);
  // Never below what the load needs now.
  for (const Decision& d : got) EXPECT_GE(d.desired, 5);
}

// candidates: default keeps candidate 0 for good.
TEST(PredictiveCandidates, DefaultKeepsCandidateZero) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive", {{"candidates", "default"}});
  ASSERT_NE(policy, nullptr);
  const std::vector<Decision> got =
      RunSteps(*policy, Start(), Repeat(600, Load(50).WithForecast(Ensemble(150, 50))));
  EXPECT_EQ(got.back().model, "holt-winters daily");
  EXPECT_EQ(got.back().sizing, "upper quantile x headroom (stabilised)");
  EXPECT_GE(got.back().desired, 15);
}

TEST(PredictiveCandidates, UnknownCandidatesSettingIsAnError) {
  Result<std::unique_ptr<Policy>> created = test::CreatePolicy("predictive", {{"candidates", "some"}});
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("'candidates'"), std::string::npos)
      << created.status().message();
}

// A candidate that is short more often than the SLO allows is not followed, however
// cheap: here every member but Holt-Winters forecasts too little, and the group is
// short whenever it follows one (the load is 50, they say 10; the reactive floor
// catches up only after the boot horizon).
TEST(PredictiveCandidates, ShortCandidatesAreNotFollowed) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive", {{"adapt_rate", "0"}});
  ASSERT_NE(policy, nullptr);
  // The load alternates 10 and 50: a candidate that sizes for 10 is short on every
  // 50; Holt-Winters forecasts 50 throughout.
  std::vector<test::Step> steps;
  for (int i = 0; i < 800; ++i) {
    steps.push_back(Load(i % 2 == 0 ? 10 : 50).WithForecast(Ensemble(50, 10)));
  }
  const std::vector<Decision> got = RunSteps(*policy, Start(), steps);
  for (std::size_t i = 500; i < got.size(); ++i) {
    EXPECT_GE(got[i].desired, 5) << "step " << i << ": " << got[i].model;
  }
}

// One burst soon after the judging starts leaves the followed candidate short for a
// few intervals, more than the SLO allows of the hundred judged so far, but one event
// is thin evidence: the group keeps following candidate 0 (Holt-Winters sees the
// steady load) rather than a candidate three times dearer (the other members forecast
// 150). A step that needs 10 instances while candidate 0 holds 6 is short until the
// reactive floor's launch is ready.
TEST(PredictiveCandidates, OneBurstDoesNotLeaveTheFollowedCandidate) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  const std::int64_t burst = PredictivePolicy::kBurnInSteps + 50;
  std::vector<test::Step> steps;
  for (std::int64_t i = 0; i < 700; ++i) {
    const bool in_burst = i >= burst && i < burst + 3;
    steps.push_back(Load(in_burst ? 100 : 50).WithForecast(Ensemble(50, 150)));
  }
  const std::vector<Decision> got = RunSteps(*policy, Start(), steps);
  // The burst was a shortfall on the capacity model, not absorbed: interval t is
  // served by the least of the last H decisions.
  const int h = policy->Needs().horizon_steps;
  int short_steps = 0;
  for (std::size_t t = burst; t < burst + 3; ++t) {
    int ready = got[t - 1].desired;
    for (int k = 2; k <= h; ++k) ready = std::min(ready, got[t - k].desired);
    short_steps += ready < 10;
  }
  EXPECT_EQ(short_steps, 3);
  for (std::size_t i = burst + 20; i < got.size(); ++i) {
    ASSERT_EQ(got[i].model, "holt-winters daily") << "step " << i;
    EXPECT_LE(got[i].desired, 8) << "step " << i;
  }
}

// The credit the followed candidate has is a few intervals, not a licence: short on
// every tenth interval (a burst of 100 that its forecast of 50 never sees; its
// headroom fixed), it is left for a candidate that covers the bursts (here Holt-
// Winters' point forecast with the long stabilisation window, which holds the burst's
// size from one to the next).
TEST(PredictiveCandidates, AFollowedCandidateShortAgainAndAgainIsLeft) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive", {{"adapt_rate", "0"}});
  ASSERT_NE(policy, nullptr);
  const std::int64_t from = PredictivePolicy::kBurnInSteps + 50;
  std::vector<test::Step> steps;
  for (std::int64_t i = 0; i < 700; ++i) {
    const bool burst = i >= from && i % 10 == 0;
    steps.push_back(Load(burst ? 100 : 50).WithForecast(Ensemble(50, 150)));
  }
  const std::vector<Decision> got = RunSteps(*policy, Start(), steps);
  const std::string_view first = "upper quantile x headroom (stabilised)";
  EXPECT_EQ(got[from - 1].sizing, first);
  EXPECT_NE(got.back().sizing, first);
  for (std::size_t i = got.size() - 100; i < got.size(); ++i) {
    EXPECT_GE(got[i].desired, 10) << "step " << i;
  }
}

// A candidate on a point forecast does not grow for a need within kScaleUpTolerance
// of its size while the load now fits: 12 instances where it has 11 is held (the
// forecast's noise would buy an instance that is ready after the noise has passed).
// A need beyond the tolerance is grown to at once, and so is a load that does not fit
// now. Headroom fixed at 1.1, and the group follows a multiplicative candidate: a
// forecast of 100 needs 11 instances of 10, 108 needs 12, 120 needs 14.
TEST(PredictiveCandidates, ANeedWithinTheToleranceIsNotGrownTo) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive", {{"adapt_rate", "0"}});
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steady = Repeat(600, Load(100).WithForecast(Ensemble(150, 100)));
  std::vector<test::Step> steps = steady;
  for (int i = 0; i < 5; ++i) steps.push_back(Load(100).WithForecast(Ensemble(150, 108)));
  steps.push_back(Load(100).WithForecast(Ensemble(150, 120)));
  const std::vector<Decision> got = RunSteps(*policy, Start(), steps);
  const std::size_t n = steady.size();
  ASSERT_NE(got[n - 1].model, "holt-winters daily");
  ASSERT_EQ(got[n - 1].desired, 11);
  for (std::size_t i = n; i < n + 5; ++i) {
    EXPECT_EQ(got[i].desired, 11) << "step " << i;
    EXPECT_EQ(got[i].reason, Reason::kWithinTolerance) << "step " << i;
  }
  EXPECT_EQ(got.back().desired, 14);

  // The load now needing 12: grown to, though 12 is within the tolerance of 11.
  steps = steady;
  steps.push_back(Load(115).WithForecast(Ensemble(150, 100)));
  EXPECT_EQ(RunSteps(*policy, Start(), steps).back().desired, 12);
}

// A single forecast (another forecaster than `auto`) makes candidates on it alone.
TEST(PredictiveCandidates, WorkWithASingleForecast) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  ForecastResult f = FlatForecast(50);
  f.model = "holt-winters";
  const std::vector<Decision> got = RunSteps(*policy, Start(), Repeat(600, Load(50).WithForecast(f)));
  EXPECT_EQ(got.back().model, "holt-winters");
  EXPECT_GE(got.back().desired, 5);
  EXPECT_LE(got.back().desired, 6);
}

// The state saved mid-run and loaded into a fresh one decides exactly as the
// original goes on deciding: candidates, shadows, windows and choice survive.
TEST(PredictiveCandidates, StateRoundTripsMidRun) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps;
  for (int i = 0; i < 700; ++i) {
    const double load = 40 + 30 * (i % 7 == 0) + (i % 3);
    steps.push_back(Load(load).WithForecast(Ensemble(load * 2, load)));
  }
  const std::vector<test::Step> first(steps.begin(), steps.begin() + 450);
  const std::vector<test::Step> rest(steps.begin() + 450, steps.end());
  std::unique_ptr<PolicyState> original = policy->NewState();
  TestInput in = Start();
  test::RunWithState(*policy, *original, in, first);
  StateWriter w;
  original->Save(w);
  std::unique_ptr<PolicyState> loaded = policy->NewState();
  StateReader r(w.text());
  ASSERT_TRUE(loaded->Load(r).ok());
  TestInput in_copy = in;
  test::ExpectSameDecisions(test::RunWithState(*policy, *original, in, rest),
                            test::RunWithState(*policy, *loaded, in_copy, rest));
}

TEST(PredictiveCandidates, GarbledStateIsRefusedAndChangesNothing) {
  std::unique_ptr<Policy> policy = MakePolicy("predictive");
  ASSERT_NE(policy, nullptr);
  std::unique_ptr<PolicyState> state = policy->NewState();
  TestInput in = Start();
  test::RunWithState(*policy, *state, in, Repeat(20, Load(50).WithForecast(Ensemble(60, 50))));
  StateWriter w;
  state->Save(w);
  const std::string good = w.text();
  // A wrong format version, a record cut short, one with data left over, and noise.
  std::string wrong_version = good;
  wrong_version[0] = '4';
  for (const std::string& bad : {std::string("3 5"), good.substr(0, good.size() / 2),
                                 wrong_version, good + " 7", std::string("garbage")}) {
    std::unique_ptr<PolicyState> target = policy->NewState();
    StateReader r(bad);
    EXPECT_FALSE(target->Load(r).ok()) << bad.substr(0, 40);
    // A refused record leaves the state fresh: it decides as a new one does.
    TestInput a = Start(), b = Start();
    std::unique_ptr<PolicyState> fresh = policy->NewState();
    test::ExpectSameDecisions(test::RunWithState(*policy, *target, a, Repeat(5, Load(50))),
                              test::RunWithState(*policy, *fresh, b, Repeat(5, Load(50))));
  }
}

}  // namespace
}  // namespace prescale::policy
