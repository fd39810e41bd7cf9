// Tests for the `seed2` policy: +1 at once on a high signal, -1 only after N
// consecutive low signals, 300 s cooldown. The sequences marked "elastic.py" are
// worked by hand from /work/shared/bench/elastic.py's pol_seed2.
#include "policy/seed2.h"

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "policy/policy_test_util.h"

namespace prescale::policy {
namespace {

using test::Concat;
using test::Cpu;
using test::Join;
using test::MakePolicy;
using test::NoData;
using test::Repeat;
using test::RunSequenceCase;
using test::RunSteps;
using test::SequenceCase;
using test::TestInput;
using test::Times;

constexpr double kHigh = 0.90;  // above 75 %: an "up" signal
constexpr double kMid = 0.50;   // between the thresholds: "hold"
constexpr double kLow = 0.10;   // below 25 %: a "down" signal

class Seed2SequenceTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(Seed2SequenceTest, Runs) { RunSequenceCase("seed2", GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Table, Seed2SequenceTest,
    ::testing::Values(
        // Up: +1 at once, then the 300 s cooldown.
        SequenceCase{.name = "HighCpuAddsOneAtOnce",
                     .start = 2,
                     .steps = {Cpu(kHigh)},
                     .want_desired = {3},
                     .want_reasons = {Reason::kScaleUp},
                     .want_messages = {{0, "demand predicted high"}}},
        SequenceCase{.name = "CooldownHoldsTheNextScaleUpFor300s",
                     .start = 2,
                     .steps = Repeat(6, Cpu(kHigh)),
                     .want_desired = {3, 3, 3, 3, 3, 4},
                     .want_reasons = Join<Reason>(
                         {{Reason::kScaleUp}, Times(4, Reason::kCooldown), {Reason::kScaleUp}}),
                     .want_messages = {{1, "Scale up needed but in cooldown period"}}},
        SequenceCase{.name = "ConfiguredCooldown",
                     .params = {{"cooldown_s", "120"}},
                     .start = 2,
                     .steps = Repeat(4, Cpu(kHigh)),
                     .want_desired = {3, 3, 4, 4},
                     .want_reasons = {Reason::kScaleUp, Reason::kCooldown, Reason::kScaleUp,
                                      Reason::kCooldown}},
        // Down: only after N = ceil(300 s / interval) consecutive low signals.
        SequenceCase{
            .name = "FifthLowScalesInAt60s",
            .steps = Repeat(5, Cpu(kLow)),
            .want_desired = {4, 4, 4, 4, 3},
            .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                          {Reason::kScaleDown}}),
            .want_messages = {{0, "Scale down signal - waiting for consistent predictions"},
                              {4, "5min consistent prediction"}}},
        SequenceCase{.name = "FourLowsDoNotScaleInAt60s",
                     .steps = Concat({Repeat(4, Cpu(kLow)), {Cpu(kMid)}}),
                     .want_desired = Times(5, 4),
                     .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kWithinTolerance}})},
        SequenceCase{.name = "ThirtiethLowScalesInAt10s",
                     .interval_s = 10,
                     .steps = Repeat(30, Cpu(kLow)),
                     .want_desired = Join<int>({Times(29, 4), {3}}),
                     .want_reasons = Join<Reason>({Times(29, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "TwentyNineLowsDoNotScaleInAt10s",
                     .interval_s = 10,
                     .steps = Concat({Repeat(29, Cpu(kLow)), {Cpu(kMid)}}),
                     .want_desired = Times(30, 4)},
        SequenceCase{.name = "SeventhLowScalesInAt45s",
                     .interval_s = 45,
                     .steps = Repeat(7, Cpu(kLow)),
                     .want_desired = Join<int>({Times(6, 4), {3}})},
        SequenceCase{.name = "ConfiguredConsecutiveDown",
                     .params = {{"consecutive_down", "2"}},
                     .steps = Repeat(2, Cpu(kLow)),
                     .want_desired = {4, 3},
                     .want_reasons = {Reason::kAwaitingConsecutive, Reason::kScaleDown}},
        SequenceCase{.name = "InterruptedStreakRestartsAsMixedPredictions",
                     .steps = Concat({Repeat(3, Cpu(kLow)), {Cpu(kMid)}, Repeat(5, Cpu(kLow))}),
                     .want_desired = Join<int>({Times(8, 4), {3}}),
                     .want_reasons = Join<Reason>({Times(3, Reason::kAwaitingConsecutive),
                                                   {Reason::kWithinTolerance},
                                                   Times(4, Reason::kMixedPredictions),
                                                   {Reason::kScaleDown}}),
                     .want_messages = {{4, "Mixed predictions - not scaling down"}}},
        SequenceCase{.name = "StreakAfterAScaleInStartsClean",
                     .steps = Repeat(10, Cpu(kLow)),
                     .want_desired = {4, 4, 4, 4, 3, 3, 3, 3, 3, 2},
                     .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown},
                                                   Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "ScaleUpEndsTheStreak",
                     .steps = Concat({Repeat(4, Cpu(kLow)), {Cpu(kHigh)}, Repeat(5, Cpu(kLow))}),
                     .want_desired = {4, 4, 4, 4, 5, 5, 5, 5, 5, 4},
                     .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleUp},
                                                   Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "ScaleInWaitsOutTheCooldown",
                     .params = {{"consecutive_down", "2"}},
                     .start = 2,
                     .steps = Concat({{Cpu(kHigh)}, Repeat(5, Cpu(kLow))}),
                     .want_desired = {3, 3, 3, 3, 3, 2},
                     .want_reasons = Join<Reason>({{Reason::kScaleUp, Reason::kAwaitingConsecutive},
                                                   Times(3, Reason::kCooldown),
                                                   {Reason::kScaleDown}}),
                     .want_messages = {{2, "Scale down needed but in cooldown period"}}},
        SequenceCase{.name = "ConfiguredThresholds",
                     .params = {{"scale_up_above_pct", "50"}, {"scale_down_below_pct", "40"}},
                     .start = 2,
                     .steps = {Cpu(0.6)},
                     .want_desired = {3}},
        // Limits.
        SequenceCase{.name = "AtMaximum",
                     .start = 3,
                     .limits = {1, 3},
                     .steps = Repeat(2, Cpu(kHigh)),
                     .want_desired = {3, 3},
                     .want_reasons = Times(2, Reason::kAtMaximum),
                     .want_messages = {{0, "Already at maximum capacity"}}},
        SequenceCase{.name = "StepUpClampedToMaximum",
                     .params = {{"step_up", "3"}},
                     .limits = {1, 5},
                     .steps = {Cpu(kHigh)},
                     .want_desired = {5},
                     .want_reasons = {Reason::kAtMaximum}},
        SequenceCase{.name = "AtMinimum",
                     .start = 1,
                     .steps = Repeat(6, Cpu(kLow)),
                     .want_desired = Times(6, 1),
                     .want_reasons = Times(6, Reason::kAtMinimum),
                     .want_messages = {{5, "Already at minimum capacity"}}},
        SequenceCase{.name = "StepDownClampedToMinimum",
                     .params = {{"step_down", "3"}, {"consecutive_down", "1"}},
                     .start = 3,
                     .limits = {2, 10},
                     .steps = {Cpu(kLow)},
                     .want_desired = {2},
                     .want_reasons = {Reason::kAtMinimum}},
        SequenceCase{.name = "ConfiguredStepDown",
                     .params = {{"step_down", "2"}, {"consecutive_down", "1"}},
                     .steps = {Cpu(kLow)},
                     .want_desired = {2},
                     .want_reasons = {Reason::kScaleDown}},
        // Missing data and anomalies never scale in, and restart the streak.
        SequenceCase{.name = "MissingCpuHolds",
                     .steps = Repeat(6, NoData()),
                     .want_desired = Times(6, 4),
                     .want_reasons = Times(6, Reason::kMissingData)},
        SequenceCase{.name = "MissingCpuRestartsTheStreak",
                     .steps = Concat({Repeat(4, Cpu(kLow)), {NoData()}, Repeat(5, Cpu(kLow))}),
                     .want_desired = Join<int>({Times(9, 4), {3}}),
                     .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kMissingData},
                                                   Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "MissingCpuDoesNotBlockScaleUp",
                     .start = 2,
                     .steps = {NoData(), Cpu(kHigh)},
                     .want_desired = {2, 3},
                     .want_reasons = {Reason::kMissingData, Reason::kScaleUp}},
        SequenceCase{.name = "AnomalyNeverScalesIn",
                     .steps = Repeat(8, Cpu(kLow).WithAnomaly()),
                     .want_desired = Times(8, 4),
                     .want_reasons = Times(8, Reason::kAnomaly)},
        SequenceCase{.name = "AnomalyRestartsTheStreak",
                     .steps = Concat(
                         {Repeat(4, Cpu(kLow)), {Cpu(kLow).WithAnomaly()}, Repeat(5, Cpu(kLow))}),
                     .want_desired = Join<int>({Times(9, 4), {3}}),
                     .want_reasons = Join<Reason>({Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kAnomaly},
                                                   Times(4, Reason::kAwaitingConsecutive),
                                                   {Reason::kScaleDown}})},
        SequenceCase{.name = "AnomalyAllowsScaleUp",
                     .start = 2,
                     .steps = {Cpu(kHigh).WithAnomaly()},
                     .want_desired = {3},
                     .want_reasons = {Reason::kScaleUp}},
        // elastic.py pol_seed2, by hand (start 2, min 1, step 60 s; t = 60 s * k):
        //   k0 high, cooled -> 3 (last = 0); k1 high, 60 s < 300 -> 3; k2 mid -> 3;
        //   k3..k6 low, lows = 60..240 s -> 3; k7 low, lows = 300 s and 420 - 0 >= 300
        //   -> 2 (last = 420, lows = 0); k8 low -> 2; k9..k11 high, 120..240 s since
        //   420 -> 2; k12 high, 300 s -> 3 (last = 720); k13..k16 low -> 3; k17 low,
        //   lows = 300 s and 1020 - 720 >= 300 -> 2.
        SequenceCase{.name = "MatchesElasticPy",
                     .start = 2,
                     .steps = Concat({Repeat(2, Cpu(kHigh)),
                                      {Cpu(kMid)},
                                      Repeat(6, Cpu(kLow)),
                                      Repeat(4, Cpu(kHigh)),
                                      Repeat(5, Cpu(kLow))}),
                     .want_desired = {3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 2},
                     .want_reasons = Join<Reason>(
                         {{Reason::kScaleUp, Reason::kCooldown, Reason::kWithinTolerance},
                          Times(4, Reason::kAwaitingConsecutive),
                          {Reason::kScaleDown, Reason::kAwaitingConsecutive},
                          Times(3, Reason::kCooldown),
                          {Reason::kScaleUp},
                          Times(4, Reason::kAwaitingConsecutive),
                          {Reason::kScaleDown}})},
        // At the minimum a scale-down is no action, so it starts no cooldown: the
        // first high signal scales up at once (k5). elastic.py's pol_seed2 differs
        // on purpose here: it counts the clamped -1 as an action and waits to k9.
        SequenceCase{.name = "NoActionAtMinimumStartsNoCooldown",
                     .start = 1,
                     .steps = Concat({Repeat(5, Cpu(kLow)), Repeat(5, Cpu(kHigh))}),
                     .want_desired = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2}}),
    test::CaseName());

TEST(Seed2Policy, SameInputsGiveSameDecisions) {
  std::unique_ptr<Policy> policy = MakePolicy("seed2");
  ASSERT_NE(policy, nullptr);
  std::vector<test::Step> steps = Concat({Repeat(3, Cpu(kHigh)),
                                          Repeat(3, Cpu(kLow)),
                                          {NoData(), Cpu(kMid)},
                                          Repeat(6, Cpu(kLow)),
                                          {Cpu(kLow).WithAnomaly()},
                                          Repeat(7, Cpu(kLow))});
  TestInput start;
  start.limits = {2, 6};
  test::ExpectSameDecisions(RunSteps(*policy, start, steps), RunSteps(*policy, start, steps));
}

// The default N is 300 s of signals at the decision interval, and at least 1.
struct ConsecutiveCase {
  std::string name;
  double interval_s = 60;
  int want = 0;
  friend void PrintTo(const ConsecutiveCase& c, std::ostream* os) { *os << c.name; }
};

class Seed2ConsecutiveDownTest : public ::testing::TestWithParam<ConsecutiveCase> {};

TEST_P(Seed2ConsecutiveDownTest, DefaultsToFiveMinutes) {
  const ConsecutiveCase& c = GetParam();
  Params params;
  ParamReader reader(params);
  Seed2RulesConfig config = ReadSeed2Rules(reader, Duration(c.interval_s));
  ASSERT_TRUE(reader.status().ok()) << reader.status().message();
  EXPECT_EQ(config.consecutive_down, c.want);
  EXPECT_EQ(config.cooldown, Duration(300));
}

INSTANTIATE_TEST_SUITE_P(Table, Seed2ConsecutiveDownTest,
                         ::testing::Values(ConsecutiveCase{"Every10s", 10, 30},
                                           ConsecutiveCase{"Every45s", 45, 7},
                                           ConsecutiveCase{"Every60s", 60, 5},
                                           ConsecutiveCase{"Every300s", 300, 1},
                                           ConsecutiveCase{"Every600s", 600, 1}),
                         test::CaseName());

}  // namespace
}  // namespace prescale::policy
