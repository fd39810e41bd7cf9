// Tests for the arithmetic every policy shares (common.h).
#include "policy/common.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace prescale::policy {
namespace {

TEST(CeilCountTest, RoundsUpForgivingNoise) {
  EXPECT_EQ(CeilCount(3.0), 3);
  EXPECT_EQ(CeilCount(3.0000000001), 3);  // noise below 1e-9
  EXPECT_EQ(CeilCount(3.00001), 4);
  EXPECT_EQ(CeilCount(2.5), 3);
  EXPECT_EQ(CeilCount(0.0), 0);
  EXPECT_EQ(CeilCount(1e-12), 0);
  EXPECT_EQ(CeilCount(-0.5), 0);
  EXPECT_EQ(CeilCount(-2.5), -2);
  EXPECT_EQ(CeilCount(-3.0), -3);
}

TEST(CeilCountTest, SaturatesAndMapsNaNToZero) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(CeilCount(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(CeilCount(kInf), kMaxCount);
  EXPECT_EQ(CeilCount(-kInf), -kMaxCount);
  EXPECT_EQ(CeilCount(1e300), kMaxCount);
  EXPECT_EQ(CeilCount(-1e300), -kMaxCount);
  EXPECT_EQ(CeilCount(kMaxCount - 0.5), kMaxCount);
  EXPECT_EQ(CeilCount(kMaxCount - 1.5), kMaxCount - 1);
  EXPECT_EQ(CeilCount(-kMaxCount - 0.5), -kMaxCount);
  EXPECT_EQ(CeilCount(-kMaxCount + 0.5), -kMaxCount + 1);
}

TEST(CeilCountTest, AgreesWithStdCeilOfTheShiftedValue) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wide(-2e9, 2e9);
  std::uniform_real_distribution<double> narrow(-50, 50);
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 2 == 0 ? wide(rng) : narrow(rng);
    const double c = std::ceil(x - 1e-9);
    const int expected =
        c <= -kMaxCount ? -kMaxCount : (c >= kMaxCount ? kMaxCount : static_cast<int>(c));
    ASSERT_EQ(CeilCount(x), expected) << "x = " << x;
  }
}

TEST(InstancesForTest, AtLeastOne) {
  EXPECT_EQ(InstancesFor(0, 10, 1), 1);
  EXPECT_EQ(InstancesFor(95, 10, 1), 10);
  EXPECT_EQ(InstancesFor(100, 10, 1), 10);
  EXPECT_EQ(InstancesFor(100, 10, 0.5), 20);
}

}  // namespace
}  // namespace prescale::policy
