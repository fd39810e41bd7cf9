#include <gtest/gtest.h>

#include "prescale/clock.h"
#include "prescale/decision.h"
#include "prescale/time_series.h"

namespace prescale {
namespace {

TEST(RingBufferTest, KeepsTheNewestValuesInOrder) {
  RingBuffer<int> r(3);
  EXPECT_TRUE(r.empty());
  for (int v : {1, 2}) r.Push(v);
  EXPECT_EQ(r.size(), 2u);
  EXPECT_FALSE(r.full());
  EXPECT_EQ(r[0], 1);
  EXPECT_EQ(r.Back(), 2);
  for (int v : {3, 4, 5}) r.Push(v);  // 1 and 2 fall out
  ASSERT_TRUE(r.full());
  EXPECT_EQ(r[0], 3);
  EXPECT_EQ(r[1], 4);
  EXPECT_EQ(r[2], 5);
  EXPECT_EQ(r.Back(1), 4);
  EXPECT_EQ(r.Oldest(), 3);
  r.Clear();
  EXPECT_TRUE(r.empty());
}

TEST(SimulatedClockTest, MovesOnlyWhenTold) {
  SimulatedClock clock(FromEpochSeconds(100));
  EXPECT_EQ(ToEpochSeconds(clock.Now()), 100);
  clock.Advance(Duration(2.5));
  EXPECT_EQ(ToEpochSeconds(clock.Now()), 102.5);
  clock.SleepUntil(FromEpochSeconds(200));  // jumps, does not block
  EXPECT_EQ(ToEpochSeconds(clock.Now()), 200);
  clock.SleepUntil(FromEpochSeconds(150));  // never goes back
  EXPECT_EQ(ToEpochSeconds(clock.Now()), 200);
}

TEST(RealClockTest, SleepUntilThePastReturnsAtOnce) {
  RealClock& clock = RealClock::Default();
  TimePoint before = clock.Now();
  clock.SleepUntil(before - Duration(10));
  EXPECT_GE(clock.Now(), before);
}

TEST(DecisionTest, NamesAreStable) {
  EXPECT_EQ(ReasonName(Reason::kCooldown), "Cooldown");
  EXPECT_EQ(ReasonName(Reason::kReactiveFloor), "ReactiveFloor");
  EXPECT_EQ(ActionName(Action::kScaleDown), "scale_down");
  EXPECT_EQ(ActionFor(3, 2), Action::kScaleUp);
  EXPECT_EQ(ActionFor(2, 2), Action::kHold);
  EXPECT_EQ(ActionFor(1, 2), Action::kScaleDown);
}

}  // namespace
}  // namespace prescale
