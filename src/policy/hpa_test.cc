// Tests for the `hpa` policy: the Kubernetes HPA's defaults (tolerance 0.1,
// 300 s scale-down stabilisation, scale-up limit max(+100 %, +4) per 15 s). The
// sequences marked "elastic.py" are worked by hand from
// /work/shared/bench/elastic.py's _hpa and pol_hpa_rps.
#include "policy/hpa.h"

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
using test::Join;
using test::Load;
using test::MakePolicy;
using test::NoData;
using test::ParamList;
using test::Repeat;
using test::RunSequenceCase;
using test::RunSteps;
using test::SequenceCase;
using test::TestInput;
using test::Times;

// With capacity_per_instance 10 and the default target 0.6, one instance is at
// target with 6 units/s: load 6 * n wants n instances.
constexpr double kPerInstanceAtTarget = 6;

struct DecisionCase {
  std::string name;
  ParamList params = {};
  double interval_s = 60;
  std::optional<double> load = std::nullopt;
  std::optional<double> cpu = std::nullopt;
  int current = 10;
  int ready = -1;  // < 0: equal to current
  Limits limits{1, 100};
  double capacity_per_instance = 10;
  bool anomaly = false;
  int want_desired = 0;
  Action want_action = Action::kHold;
  std::optional<Reason> want_reason = std::nullopt;  // nullopt: not checked
  friend void PrintTo(const DecisionCase& c, std::ostream* os) { *os << c.name; }
};

class HpaDecisionTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(HpaDecisionTest, Decides) {
  const DecisionCase& c = GetParam();
  const Duration interval(c.interval_s);
  std::unique_ptr<Policy> policy = MakePolicy("hpa", c.params, interval);
  ASSERT_NE(policy, nullptr);
  TestInput in;
  in.interval = interval;
  in.observation.load_per_s = c.load;
  in.observation.cpu_utilization = c.cpu;
  in.capacity = {c.current, c.ready < 0 ? c.current : c.ready};
  in.limits = c.limits;
  in.capacity_per_instance = c.capacity_per_instance;
  in.anomaly.anomaly = c.anomaly;

  Decision d = test::DecideOnce(*policy, in);
  EXPECT_EQ(d.desired, c.want_desired);
  EXPECT_EQ(d.action, c.want_action);
  if (c.want_reason) {
    EXPECT_EQ(d.reason, *c.want_reason) << d.message;
  }
  EXPECT_GE(d.desired, c.limits.min);
  EXPECT_LE(d.desired, c.limits.max);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HpaDecisionTest,
    ::testing::Values(
        // Tolerance 0.1 on the usage ratio (load mode: wanted / ready).
        DecisionCase{.name = "Ratio105HoldsWithinTolerance",
                     .load = 10.5 * kPerInstanceAtTarget,
                     .want_desired = 10,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "Ratio095HoldsWithinTolerance",
                     .load = 9.5 * kPerInstanceAtTarget,
                     .want_desired = 10,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "Ratio115ScalesUp",
                     .load = 11.5 * kPerInstanceAtTarget,
                     .want_desired = 12,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "Ratio085ScalesDown",
                     .load = 8.5 * kPerInstanceAtTarget,
                     .want_desired = 9,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        DecisionCase{.name = "ConfiguredToleranceWidens",
                     .params = {{"tolerance", "0.2"}},
                     .load = 11.5 * kPerInstanceAtTarget,
                     .want_desired = 10,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "ZeroToleranceActsOnAnyDifference",
                     .params = {{"tolerance", "0"}},
                     .load = 10.5 * kPerInstanceAtTarget,
                     .want_desired = 11,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "ConfiguredTarget",
                     .params = {{"target_utilization", "0.5"}},
                     .load = 69,  // 69 / (10 * 0.5) = 13.8
                     .want_desired = 14,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        // Load mode: desired = ceil(load / (capacity * target)), tolerance against ready.
        DecisionCase{.name = "LoadToleranceIsAgainstReady",
                     .load = 4.1 * kPerInstanceAtTarget,  // 4.1 / 4 ready = 1.025
                     .current = 6,
                     .ready = 4,
                     .want_desired = 6,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "LoadModeIgnoresCpu",
                     .load = 10 * kPerInstanceAtTarget,
                     .cpu = 0.99,
                     .want_desired = 10,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "BootingInstancesAlreadyCoverTheNeed",
                     .load = 6 * kPerInstanceAtTarget,
                     .current = 6,
                     .ready = 4,
                     .want_desired = 6},
        // CPU mode: desired = ceil(ready * cpu / target).
        DecisionCase{.name = "CpuModeScalesUp",
                     .params = {{"metric", "cpu"}},
                     .cpu = 0.90,
                     .current = 4,
                     .want_desired = 6,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "CpuModeUsesReadyNotDesired",
                     .params = {{"metric", "cpu"}},
                     .cpu = 0.90,
                     .current = 5,
                     .ready = 4,
                     .want_desired = 6,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "CpuModeRatio105Holds",
                     .params = {{"metric", "cpu"}},
                     .cpu = 0.63,
                     .current = 4,
                     .want_desired = 4,
                     .want_reason = Reason::kWithinTolerance},
        DecisionCase{.name = "CpuModeRatio115ScalesUp",
                     .params = {{"metric", "cpu"}},
                     .cpu = 0.69,  // 4 * 1.15 = 4.6
                     .current = 4,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "CpuModeScalesDown",
                     .params = {{"metric", "cpu"}},
                     .cpu = 0.30,
                     .current = 4,
                     .want_desired = 2,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kScaleDown},
        DecisionCase{.name = "CpuModeIgnoresLoad",
                     .params = {{"metric", "cpu"}},
                     .load = 1000,
                     .cpu = 0.60,
                     .current = 4,
                     .want_desired = 4,
                     .want_reason = Reason::kWithinTolerance},
        // Scale-up limit: max(+100 %, +4) per 15 s period, compounded per interval.
        DecisionCase{.name = "ScaleUpLimitAt15s",
                     .interval_s = 15,
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 2,
                     .want_desired = 6,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        DecisionCase{.name = "ScaleUpLimitAt30s",
                     .interval_s = 30,
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 2,
                     .want_desired = 12,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        DecisionCase{.name = "ScaleUpLimitAt60sCompoundsFourPeriods",
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 2,
                     .want_desired = 48,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        DecisionCase{.name = "ScaleUpLimitPercentWinsForLargerGroups",
                     .interval_s = 15,
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 10,
                     .want_desired = 20,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        DecisionCase{.name = "ScaleUpWithinTheLimitIsNotLimited",
                     .interval_s = 15,
                     .load = 5 * kPerInstanceAtTarget,
                     .current = 2,
                     .want_desired = 5,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp},
        DecisionCase{.name = "ConfiguredScaleUpLimit",
                     .params = {{"scale_up_percent", "50"}, {"scale_up_instances", "1"}},
                     .interval_s = 15,
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 10,
                     .want_desired = 15,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        DecisionCase{.name = "NoReadyInstancesCountAsOne",
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 2,
                     .ready = 0,
                     .want_desired = 48,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUpLimited},
        // Limits.
        DecisionCase{.name = "ClampedToMaximum",
                     .load = 100 * kPerInstanceAtTarget,
                     .limits = {1, 12},
                     .want_desired = 12,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "RateLimitThenMaximum",
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 2,
                     .limits = {1, 30},
                     .want_desired = 30,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "AtMaximumHolds",
                     .load = 100 * kPerInstanceAtTarget,
                     .current = 12,
                     .limits = {1, 12},
                     .want_desired = 12,
                     .want_reason = Reason::kAtMaximum},
        DecisionCase{.name = "AtMinimumHolds",
                     .load = 1 * kPerInstanceAtTarget,
                     .current = 3,
                     .limits = {3, 100},
                     .want_desired = 3,
                     .want_reason = Reason::kAtMinimum},
        DecisionCase{.name = "ScaleDownClampedToMinimum",
                     .load = 1 * kPerInstanceAtTarget,
                     .current = 5,
                     .limits = {3, 100},
                     .want_desired = 3,
                     .want_action = Action::kScaleDown,
                     .want_reason = Reason::kAtMinimum},
        // Missing data and anomalies never scale in.
        DecisionCase{.name = "MissingLoadHolds",
                     .cpu = 0.05,
                     .want_desired = 10,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "UnknownCapacityPerInstanceHolds",
                     .load = 1 * kPerInstanceAtTarget,
                     .capacity_per_instance = 0,
                     .want_desired = 10,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "MissingCpuInCpuModeHolds",
                     .params = {{"metric", "cpu"}},
                     .load = 1 * kPerInstanceAtTarget,
                     .want_desired = 10,
                     .want_reason = Reason::kMissingData},
        DecisionCase{.name = "AnomalyBlocksScaleIn",
                     .load = 1 * kPerInstanceAtTarget,
                     .anomaly = true,
                     .want_desired = 10,
                     .want_reason = Reason::kAnomaly},
        DecisionCase{.name = "AnomalyAllowsScaleUp",
                     .load = 11.5 * kPerInstanceAtTarget,
                     .anomaly = true,
                     .want_desired = 12,
                     .want_action = Action::kScaleUp,
                     .want_reason = Reason::kScaleUp}),
    test::CaseName());

class HpaSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(HpaSequenceTest, Runs) { RunSequenceCase("hpa", GetParam()); }

// Load that wants `n` instances at the default target.
test::Step Wants(double n) { return Load(n * kPerInstanceAtTarget); }

INSTANTIATE_TEST_SUITE_P(
    Table, HpaSequenceTest,
    ::testing::Values(
        // Scale-down stabilisation: the max of the recommendations of the last 300 s.
        //   t:     0   60  120 180 240 300 360 420 480
        //   rec:   10  8   6   4   4   4   4   4   4
        //   max:   10  10  10  10  10  8   6   4   -
        SequenceCase{
            .name = "DropHeldToTheMaxOfTheWindow",
            .start = 10,
            .steps = Concat({{Wants(10), Wants(8), Wants(6)}, Repeat(6, Wants(4))}),
            .want_desired = {10, 10, 10, 10, 10, 8, 6, 4, 4},
            .want_reasons = Join<Reason>({{Reason::kWithinTolerance},
                                          Times(6, Reason::kStabilized),
                                          {Reason::kScaleDown, Reason::kWithinTolerance}})},
        SequenceCase{
            .name = "DropAppliedOnceTheWindowPasses",
            .start = 10,
            .steps = Concat({Repeat(2, Wants(10)), Repeat(6, Wants(4))}),
            .want_desired = {10, 10, 10, 10, 10, 10, 4, 4},
            .want_reasons = Join<Reason>({Times(2, Reason::kWithinTolerance),
                                          Times(4, Reason::kStabilized),
                                          {Reason::kScaleDown, Reason::kWithinTolerance}})},
        SequenceCase{.name = "StabilisationIs300sAt10s",
                     .interval_s = 10,
                     .start = 10,
                     .steps = Concat({{Wants(10)}, Repeat(31, Wants(4))}),
                     .want_desired = Join<int>({Times(30, 10), {4, 4}})},
        // Kubernetes keeps the recommendations younger than 300 s, whatever the step.
        SequenceCase{.name = "StabilisationWindowIsTimeBasedAt90s",
                     .interval_s = 90,
                     .start = 10,
                     .steps = Concat({{Wants(10)}, Repeat(4, Wants(4))}),
                     .want_desired = {10, 10, 10, 10, 4}},
        SequenceCase{.name = "ConfiguredScaleDownStabilisation",
                     .params = {{"scale_down_stabilization_s", "0"}},
                     .start = 10,
                     .steps = {Wants(10), Wants(4)},
                     .want_desired = {10, 4},
                     .want_reasons = {Reason::kWithinTolerance, Reason::kScaleDown}},
        SequenceCase{.name = "ScaleUpIsNotStabilised",
                     .start = 4,
                     .steps = {Wants(4), Wants(10)},
                     .want_desired = {4, 10},
                     .want_reasons = {Reason::kWithinTolerance, Reason::kScaleUp}},
        SequenceCase{
            .name = "ConfiguredScaleUpStabilisation",
            .params = {{"scale_up_stabilization_s", "120"}},
            .start = 2,
            .steps = {Wants(2), Wants(5), Wants(5)},
            .want_desired = {2, 2, 5},
            .want_reasons = {Reason::kWithinTolerance, Reason::kStabilized, Reason::kScaleUp}},
        // The rate limit, one 15 s period per interval: 2 -> 6 -> 12 -> 24 -> 48 -> 96;
        // then 100 wanted of 96 ready is within the tolerance.
        SequenceCase{.name = "RateLimitCompoundsEachInterval",
                     .interval_s = 15,
                     .start = 2,
                     .steps = Repeat(6, Wants(100)),
                     .want_desired = {6, 12, 24, 48, 96, 96},
                     .want_reasons = Join<Reason>({Times(5, Reason::kScaleUpLimited),
                                                   {Reason::kWithinTolerance}})},
        // Missing data: hold, and the missing intervals leave no recommendation.
        SequenceCase{.name = "MissingDataHolds",
                     .start = 10,
                     .steps = Concat({{Wants(10)}, Repeat(5, NoData()), {Wants(4)}}),
                     .want_desired = {10, 10, 10, 10, 10, 10, 4},
                     .want_reasons = Join<Reason>({{Reason::kWithinTolerance},
                                                   Times(5, Reason::kMissingData),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "AnomalyBlocksScaleIn",
                     .start = 10,
                     .steps = Concat({Repeat(2, Wants(4).WithAnomaly()), {Wants(4)}}),
                     .want_desired = {10, 10, 4},
                     .want_reasons = {Reason::kAnomaly, Reason::kAnomaly, Reason::kScaleDown}},
        SequenceCase{.name = "ClimbsToMaximum",
                     .interval_s = 15,
                     .start = 2,
                     .limits = {1, 20},
                     .steps = Repeat(4, Wants(100)),
                     .want_desired = {6, 12, 20, 20},
                     .want_reasons = {Reason::kScaleUpLimited, Reason::kScaleUpLimited,
                                      Reason::kAtMaximum, Reason::kAtMaximum}},
        SequenceCase{.name = "FallsToMinimum",
                     .params = {{"scale_down_stabilization_s", "0"}},
                     .start = 10,
                     .limits = {3, 100},
                     .steps = Repeat(2, Wants(1)),
                     .want_desired = {3, 3},
                     .want_reasons = Times(2, Reason::kAtMinimum)},
        // elastic.py pol_hpa_rps, by hand: cap 10, target 0.6, step 60 s, boot 180 s
        // (launches at k are ready from k + 4), start 2. `ready` is elastic.py's.
        //   k  load ready total  want  rec        window max (5 steps)  desired
        //   0  12   2     2      2     within->2  -                     2
        //   1  30   2     2      5     5          -                     5
        //   2  60   2     5      10    10         cap 5->10->20->40->80 10
        //   3  60   2     10     10    10         -                     10
        //   4  60   2     10     10    10         -                     10
        //   5  30   5     10     5     within->10 -                     10
        //   6  30   10    10     5     5          10,10,10,10,5 -> 10   10
        //   7  12   10    10     2     2          10,10,10,5,2  -> 10   10
        //   8  12   10    10     2     2          10,10,5,2,2   -> 10   10
        //   9  12   10    10     2     2          10,5,2,2,2    -> 10   10
        //   10 12   10    10     2     2          5,2,2,2,2     -> 5    5
        //   11 12   5     5      2     2          2,2,2,2,2     -> 2    2
        //   12 12   2     2      2     within->2  -                     2
        SequenceCase{.name = "MatchesElasticPyHpaRpsRampAndDrop",
                     .start = 2,
                     .limits = {1, 80},
                     .steps = Concat({{Load(12).WithReady(2), Load(30).WithReady(2)},
                                      Repeat(3, Load(60).WithReady(2)),
                                      {Load(30).WithReady(5), Load(30).WithReady(10)},
                                      Repeat(4, Load(12).WithReady(10)),
                                      {Load(12).WithReady(5), Load(12).WithReady(2)}}),
                     .want_desired = {2, 5, 10, 10, 10, 10, 10, 10, 10, 10, 5, 2, 2}},
        //   k  load ready total  want  rec  up cap                       desired
        //   0  600  2     2      100   100  2->6->12->24->48             48
        //   1  600  2     48     100   100  >= 100, then max 80          80
        //   2  600  2     80     100   100                               80
        //   3  600  2     80     100   100                               80
        //   4  600  48    80     100   100                               80
        //   5  600  80    80     100   100                               80
        SequenceCase{.name = "MatchesElasticPyHpaRpsBurst",
                     .start = 2,
                     .limits = {1, 80},
                     .steps = Concat({Repeat(4, Load(600).WithReady(2)),
                                      {Load(600).WithReady(48), Load(600).WithReady(80)}}),
                     .want_desired = {48, 80, 80, 80, 80, 80},
                     .want_reasons = Join<Reason>({{Reason::kScaleUpLimited},
                                                   Times(5, Reason::kAtMaximum)})}),
    test::CaseName());

TEST(HpaPolicy, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy("hpa");
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps =
      Concat({{Wants(2), Wants(40).WithReady(2), Wants(40).WithReady(6)},
              Repeat(3, Wants(40)),
              {NoData(), Wants(3).WithAnomaly()},
              Repeat(8, Wants(3)),
              {Wants(9)}});
  TestInput start;
  start.capacity = {2, 2};
  start.limits = {1, 30};
  test::ExpectSameDecisions(RunSteps(*policy, start, steps), RunSteps(*policy, start, steps));
}

// HpaPolicy::ScaleUpLimit on its own: max(+percent, +instances) per period.
struct LimitCase {
  std::string name;
  double interval_s = 60;
  double percent = 100;
  int instances = 4;
  int current = 2;
  int want = 0;
  friend void PrintTo(const LimitCase& c, std::ostream* os) { *os << c.name; }
};

class HpaScaleUpLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(HpaScaleUpLimitTest, Compounds) {
  const LimitCase& c = GetParam();
  HpaConfig config;
  config.interval = Duration(c.interval_s);
  config.scale_up_percent = c.percent;
  config.scale_up_instances = c.instances;
  EXPECT_EQ(HpaPolicy::ScaleUpLimit(config, c.current), c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, HpaScaleUpLimitTest,
                         ::testing::Values(LimitCase{"OnePeriodFromTwo", 15, 100, 4, 2, 6},
                                           LimitCase{"OnePeriodFromTen", 15, 100, 4, 10, 20},
                                           LimitCase{"FourPeriodsFromTwo", 60, 100, 4, 2, 48},
                                           LimitCase{"ShortIntervalIsOnePeriod", 10, 100, 4, 2, 6},
                                           LimitCase{"InstancesOnly", 60, 0, 4, 2, 18},
                                           LimitCase{"PercentOnly", 60, 100, 0, 3, 48},
                                           LimitCase{"PercentRoundsUp", 15, 50, 0, 3, 5},
                                           LimitCase{"FromZero", 15, 100, 4, 0, 4}),
                         test::CaseName());

}  // namespace
}  // namespace prescale::policy
