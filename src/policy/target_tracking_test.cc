// Tests for the `target-tracking` policy (AWS EC2 Auto Scaling target tracking):
// scale out after 3 minutes above target, in proportion; scale in after 15 minutes
// below 90 % of target, by at most 10 % (at least 1), after a 300 s cooldown.
#include "policy/target_tracking.h"

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "policy/policy_test_util.h"

namespace prescale::policy {
namespace {

using test::Concat;
using test::Cpu;
using test::Join;
using test::Load;
using test::MakePolicy;
using test::NoData;
using test::Repeat;
using test::RunSequenceCase;
using test::RunSteps;
using test::SequenceCase;
using test::TestInput;
using test::Times;

// Capacity per instance is 10 units/s, and utilisation = load / (ready * 10); the
// target is 0.6 and the scale-in line 0.54. So with 4 ready, load 36 is 0.9 (above)
// and 24 is 0.6 (at target); with 20 ready, load 60 is 0.3 (below the line).

class TargetTrackingSequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(TargetTrackingSequenceTest, Runs) { RunSequenceCase("target-tracking", GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Table, TargetTrackingSequenceTest,
    ::testing::Values(
        // Scale out: 3 consecutive one-minute datapoints above target, then at once.
        SequenceCase{.name = "ScalesOutAfterThreeMinutesAbove",
                     .steps = Repeat(4, Load(36)),
                     .want_desired = {4, 4, 6, 6},
                     .want_reasons = {Reason::kAwaitingConsecutive, Reason::kAwaitingConsecutive,
                                      Reason::kScaleUp, Reason::kWithinTolerance}},
        SequenceCase{.name = "TwoMinutesAboveDoNotScaleOut",
                     .steps = {Load(36), Load(36), Load(24)},
                     .want_desired = {4, 4, 4}},
        SequenceCase{.name = "AtTargetIsNotAbove",
                     .steps = Repeat(5, Load(24)),
                     .want_desired = Times(5, 4)},
        SequenceCase{.name = "InterruptedHighRestartsTheCount",
                     .steps = Concat({Repeat(2, Load(36)), {Load(24)}, Repeat(3, Load(36))}),
                     .want_desired = {4, 4, 4, 4, 4, 6}},
        // 4 ready at 2.0: ceil(4 * 2.0 / 0.6) = ceil(13.3) = 14.
        SequenceCase{.name = "ScalesOutInProportion",
                     .steps = Repeat(3, Load(80)),
                     .want_desired = {4, 4, 14}},
        SequenceCase{.name = "ScaleOutNeedsThreeMinutesAt10s",
                     .interval_s = 10,
                     .steps = Repeat(18, Load(36)),
                     .want_desired = Join<int>({Times(17, 4), {6}})},
        SequenceCase{.name = "ConfiguredScaleOutDatapoints",
                     .params = {{"scale_out_datapoints", "1"}},
                     .steps = {Load(36)},
                     .want_desired = {6}},
        SequenceCase{.name = "ConfiguredTarget",
                     .params = {{"target_utilization", "0.45"}},
                     .steps = Repeat(3, Load(24)),  // 0.6 on a 0.45 target: 4 * 0.6 / 0.45
                     .want_desired = {4, 4, 6}},
        // Booting instances count: utilisation is of the ready ones, and the
        // proportional size is compared with all that are desired.
        SequenceCase{.name = "BootingInstancesCoverTheScaleOut",
                     .start = 6,
                     .steps = Repeat(4, Load(36).WithReady(4)),
                     .want_desired = Times(4, 6)},
        // Scale in: 15 consecutive datapoints below 0.54, by at most 10 %, at least 1.
        SequenceCase{.name = "ScalesInAfterFifteenMinutesBelow",
                     .start = 20,
                     .steps = Repeat(30, Load(60)),
                     .want_desired = Join<int>({Times(14, 20), {18}, Times(14, 18), {17}}),
                     .want_reasons = Join<Reason>({Times(14, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown},
                                                   Times(14, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "FourteenMinutesBelowDoNotScaleIn",
                     .start = 20,
                     .steps = Concat({Repeat(14, Load(60)), {Load(120)}}),
                     .want_desired = Times(15, 20)},
        SequenceCase{.name = "BetweenTheLineAndTargetNeverScalesIn",
                     .start = 20,
                     .steps = Repeat(20, Load(114)),  // 0.57
                     .want_desired = Times(20, 20)},
        SequenceCase{.name = "ScaleInAtMostTenPercent",
                     .start = 30,
                     .steps = Repeat(15, Load(30)),  // 0.1: 5 would do
                     .want_desired = Join<int>({Times(14, 30), {27}})},
        SequenceCase{.name = "ScaleInAtLeastOne",
                     .start = 5,
                     .steps = Repeat(15, Load(5)),
                     .want_desired = Join<int>({Times(14, 5), {4}})},
        SequenceCase{.name = "ScaleInNoFurtherThanNeeded",
                     .params = {{"scale_in_max_percent", "50"}, {"scale_in_datapoints", "1"}},
                     .start = 20,
                     .steps = {Load(90)},  // 0.45: ceil(20 * 0.45 / 0.6) = 15
                     .want_desired = {15}},
        SequenceCase{.name = "ScaleInNeedsFifteenMinutesAt10s",
                     .interval_s = 10,
                     .start = 20,
                     .steps = Repeat(90, Load(60)),
                     .want_desired = Join<int>({Times(89, 20), {18}})},
        // Scale in waits out the cooldown after any action; scale out does not.
        SequenceCase{.name = "ScaleInWaitsOutTheCooldown",
                     .params = {{"scale_in_datapoints", "2"}},
                     .steps = Concat({Repeat(3, Load(36)), Repeat(5, Load(6))}),
                     .want_desired = {4, 4, 6, 6, 6, 6, 6, 5},
                     .want_reasons = Join<Reason>({Times(2, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleUp, Reason::kAwaitingConsecutive},
                                                   Times(3, Reason::kCooldown),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "ConfiguredCooldown",
                     .params = {{"scale_in_datapoints", "2"}, {"scale_in_cooldown_s", "180"}},
                     .steps = Concat({Repeat(3, Load(36)), Repeat(3, Load(6))}),
                     .want_desired = {4, 4, 6, 6, 6, 5},
                     .want_reasons = Join<Reason>({Times(2, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleUp, Reason::kAwaitingConsecutive,
                                                    Reason::kCooldown, Reason::kScaleDown}})},
        SequenceCase{.name = "ScaleOutDoesNotWaitForTheCooldown",
                     .params = {{"scale_out_datapoints", "1"}, {"scale_in_datapoints", "1"}},
                     .start = 10,
                     .steps = {Load(10), Load(90)},  // 0.1 of 10; then 1.0 of 9
                     .want_desired = {9, 15},
                     .want_reasons = {Reason::kScaleDown, Reason::kScaleUp}},
        // A scale-out clamped to max changes nothing, so it should start no cooldown:
        // k2 (t 120) is AtMaximum at 10; k3 (t 180) is below the line, and one
        // datapoint suffices here, so 10 -> 9.
        SequenceCase{.name = "NoOpAtMaximumStartsNoCooldown",
                     .params = {{"scale_in_datapoints", "1"}},
                     .start = 10,
                     .limits = {1, 10},
                     .steps = Concat({Repeat(3, Load(90)), {Load(10)}}),
                     .want_desired = {10, 10, 10, 9},
                     .want_reasons = {Reason::kAwaitingConsecutive, Reason::kAwaitingConsecutive,
                                      Reason::kAtMaximum, Reason::kScaleDown}},
        // CPU metric.
        SequenceCase{.name = "CpuMetricScalesOut",
                     .params = {{"metric", "cpu"}},
                     .steps = Repeat(3, Cpu(0.9)),
                     .want_desired = {4, 4, 6}},
        SequenceCase{.name = "CpuMetricScalesIn",
                     .params = {{"metric", "cpu"}},
                     .start = 20,
                     .steps = Repeat(15, Cpu(0.3)),
                     .want_desired = Join<int>({Times(14, 20), {18}})},
        // Limits.
        SequenceCase{.name = "ClampedToMaximum",
                     .start = 8,
                     .limits = {1, 10},
                     .steps = Repeat(3, Load(72)),  // 0.9: 12 wanted
                     .want_desired = {8, 8, 10},
                     .want_reasons = {Reason::kAwaitingConsecutive, Reason::kAwaitingConsecutive,
                                      Reason::kAtMaximum}},
        SequenceCase{.name = "AtMinimum",
                     .start = 3,
                     .limits = {3, 100},
                     .steps = Repeat(15, Load(3)),
                     .want_desired = Times(15, 3),
                     .want_reasons = Join<Reason>({Times(14, Reason::kAwaitingConsecutive),
                                                   {Reason::kAtMinimum}})},
        // Missing data: hold, never scale in, and the alarms start over.
        SequenceCase{.name = "MissingLoadHolds",
                     .steps = Repeat(3, NoData()),
                     .want_desired = Times(3, 4),
                     .want_reasons = Times(3, Reason::kMissingData)},
        SequenceCase{.name = "MissingLoadRestartsTheCount",
                     .steps = Concat({Repeat(2, Load(36)), {NoData()}, Repeat(3, Load(36))}),
                     .want_desired = {4, 4, 4, 4, 4, 6},
                     .want_reasons = {Reason::kAwaitingConsecutive, Reason::kAwaitingConsecutive,
                                      Reason::kMissingData, Reason::kAwaitingConsecutive,
                                      Reason::kAwaitingConsecutive, Reason::kScaleUp}},
        SequenceCase{.name = "MissingDataNeverScalesIn",
                     .start = 20,
                     .steps = Concat({Repeat(14, Load(60)), Repeat(5, NoData())}),
                     .want_desired = Times(19, 20),
                     .want_reasons = Join<Reason>({Times(14, Reason::kAwaitingConsecutive),
                                                   Times(5, Reason::kMissingData)})},
        SequenceCase{.name = "UnknownCapacityPerInstanceHolds",
                     .capacity_per_instance = 0,
                     .steps = Repeat(3, Load(36)),
                     .want_desired = Times(3, 4),
                     .want_reasons = Times(3, Reason::kMissingData)},
        SequenceCase{.name = "MissingCpuInCpuModeHolds",
                     .params = {{"metric", "cpu"}},
                     .steps = Repeat(3, Load(36)),
                     .want_desired = Times(3, 4),
                     .want_reasons = Times(3, Reason::kMissingData)},
        // Anomalies never scale in.
        SequenceCase{.name = "AnomalyNeverScalesIn",
                     .start = 20,
                     .steps = Repeat(20, Load(60).WithAnomaly()),
                     .want_desired = Times(20, 20),
                     .want_reasons = Join<Reason>({Times(14, Reason::kAwaitingConsecutive),
                                                   Times(6, Reason::kAnomaly)})},
        SequenceCase{.name = "ScaleInResumesAfterTheAnomaly",
                     .start = 20,
                     .steps = Concat({Repeat(15, Load(60).WithAnomaly()), {Load(60)}}),
                     .want_desired = Join<int>({Times(15, 20), {18}})},
        SequenceCase{.name = "AnomalyAllowsScaleOut",
                     .steps = Repeat(3, Load(36).WithAnomaly()),
                     .want_desired = {4, 4, 6}}),
    test::CaseName());

TEST(TargetTrackingPolicy, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy("target-tracking", {{"scale_in_datapoints", "3"}});
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps = Concat({Repeat(4, Load(36)),
                                          Repeat(6, Load(6)),
                                          {NoData()},
                                          Repeat(4, Load(3)),
                                          {Load(3).WithAnomaly()},
                                          Repeat(4, Load(80).WithReady(3))});
  TestInput start;
  start.limits = {2, 12};
  test::ExpectSameDecisions(RunSteps(*policy, start, steps), RunSteps(*policy, start, steps));
}

}  // namespace
}  // namespace prescale::policy
