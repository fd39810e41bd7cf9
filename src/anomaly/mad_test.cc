#include "anomaly/mad.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "anomaly/zscore.h"

namespace prescale {
namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> GaussianNoise(std::size_t n, double mean, double sd, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, sd);
  std::vector<double> values(n);
  for (double& v : values) v = normal(rng);
  return values;
}

std::vector<AnomalyResult> Feed(AnomalyDetector& detector, const std::vector<double>& values) {
  std::vector<AnomalyResult> results;
  results.reserve(values.size());
  for (double v : values) results.push_back(detector.Update(v));
  return results;
}

// The textbook computation, sorting a copy each time: what MadDetector must match.
AnomalyResult Reference(std::vector<double> window, double x, double threshold) {
  auto median_of = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  };
  const double median = median_of(window);
  std::vector<double> dev;
  for (double v : window) dev.push_back(std::fabs(v - median));
  const double mad = median_of(dev);
  double scale = 1.482602218505602 * mad;
  if (mad == 0) {
    double sum = 0;
    for (double d : dev) sum += d;
    scale = std::sqrt(std::acos(-1.0) / 2) * sum / static_cast<double>(dev.size());
  }
  return ScoreDeviation(x - median, scale, threshold);
}

TEST(MadDetector, NameIsMad) { EXPECT_EQ(MadDetector(MadOptions{}).name(), "mad"); }

TEST(MadDetector, WaitsForMinPoints) {
  MadDetector detector(MadOptions{.window = 60, .threshold = 3.5, .min_points = 10});
  for (int i = 0; i < 10; ++i) {
    AnomalyResult r = detector.Update(i % 2 == 0 ? 0.0 : 1e6 * i);
    EXPECT_EQ(r.score, 0) << "update " << i;
    EXPECT_FALSE(r.anomaly) << "update " << i;
  }
  AnomalyResult r = detector.Update(1e9);
  EXPECT_GT(r.score, 0.99);
  EXPECT_TRUE(r.anomaly);
}

TEST(MadDetector, FlagsPlantedSpikeButNotItsNeighbours) {
  std::vector<double> values = GaussianNoise(1000, 100, 5, 42);
  constexpr std::size_t kSpike = 500;
  values[kSpike] += 60;  // 12 sigma
  MadDetector detector(MadOptions{});
  std::vector<AnomalyResult> r = Feed(detector, values);
  EXPECT_TRUE(r[kSpike].anomaly);
  EXPECT_GT(r[kSpike].score, 0.999);
  for (std::size_t i : {kSpike - 2, kSpike - 1, kSpike + 1, kSpike + 2}) {
    EXPECT_FALSE(r[i].anomaly) << "index " << i;
    EXPECT_LT(r[i].score, 0.999) << "index " << i;
  }
}

TEST(MadDetector, FewFalseAlarmsOnGaussianNoise) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    MadDetector detector(MadOptions{});
    int alarms = 0;
    for (const AnomalyResult& r : Feed(detector, GaussianNoise(10'000, 50, 3, seed))) {
      alarms += r.anomaly ? 1 : 0;
    }
    EXPECT_LT(alarms, 100) << "seed " << seed;  // under 1 %
  }
}

TEST(MadDetector, FlagsLevelShiftAtTheShift) {
  std::vector<double> values = GaussianNoise(600, 10, 1, 7);
  constexpr std::size_t kShift = 300;
  for (std::size_t i = kShift; i < values.size(); ++i) values[i] += 20;
  MadDetector detector(MadOptions{});
  std::vector<AnomalyResult> r = Feed(detector, values);
  for (std::size_t i = 0; i < kShift; ++i) ASSERT_FALSE(r[i].anomaly) << "index " << i;
  EXPECT_TRUE(r[kShift].anomaly);
  EXPECT_GT(r[kShift].score, 0.999);
}

TEST(MadDetector, RobustToOutliersThatMaskZScore) {
  // A window of N(0, 1) noise holding five spikes of +50: they inflate the standard
  // deviation to about 13, so a new 8-sigma value looks ordinary to zscore, while
  // median and MAD barely move and mad still flags it.
  std::vector<double> values = GaussianNoise(60, 0, 1, 21);
  for (std::size_t i : {5u, 17u, 29u, 41u, 53u}) values[i] = 50;
  MadDetector mad(MadOptions{});
  ZScoreDetector zscore(ZScoreOptions{});
  (void)Feed(mad, values);
  (void)Feed(zscore, values);
  AnomalyResult robust = mad.Update(8);
  AnomalyResult plain = zscore.Update(8);
  EXPECT_TRUE(robust.anomaly);
  EXPECT_GT(robust.score, 0.999);
  EXPECT_FALSE(plain.anomaly);
  EXPECT_LT(plain.score, 0.5);
}

TEST(MadDetector, IgnoresMissingAndNonFiniteValues) {
  const std::vector<double> values = GaussianNoise(300, 0, 1, 11);
  MadDetector plain(MadOptions{});
  MadDetector gappy(MadOptions{});
  std::mt19937_64 rng(12);
  std::bernoulli_distribution gap(0.3);
  const std::optional<double> gaps[] = {std::nullopt, kNaN, kInf, -kInf};
  std::size_t next_gap = 0;
  for (double v : values) {
    while (gap(rng)) {
      AnomalyResult r = gappy.Update(gaps[next_gap++ % 4]);
      EXPECT_EQ(r.score, 0);
      EXPECT_FALSE(r.anomaly);
    }
    AnomalyResult want = plain.Update(v);
    AnomalyResult got = gappy.Update(v);
    EXPECT_EQ(got.score, want.score);
    EXPECT_EQ(got.anomaly, want.anomaly);
  }
}

class MadConstantTest : public ::testing::TestWithParam<double> {};

TEST_P(MadConstantTest, RepeatScoresZeroAndAnyChangeScoresOne) {
  const double c = GetParam();
  MadDetector detector(MadOptions{.window = 20, .threshold = 3.5, .min_points = 5});
  for (int i = 0; i < 60; ++i) {
    AnomalyResult r = detector.Update(c);
    EXPECT_EQ(r.score, 0) << "update " << i;
    EXPECT_FALSE(r.anomaly) << "update " << i;
  }
  AnomalyResult r = detector.Update(std::nextafter(c, -kInf));
  EXPECT_EQ(r.score, 1);
  EXPECT_TRUE(r.anomaly);
}

INSTANTIATE_TEST_SUITE_P(Values, MadConstantTest,
                         ::testing::Values(0.0, 0.1, -3.7, 42.0, 1e9 + 0.3, 1e-12));

// More than half the window on one value makes MAD 0: the scale falls back to
// 1.253314 * MeanAD. Window: 50 values of 10 and 10 of 11, so median = 10,
// MeanAD = 10 / 60 and the scale is 0.2089.

struct ZeroMadCase {
  std::string name;
  double x;
  double z;  // expected |x - 10| / 0.2089
  bool anomaly;
  friend std::ostream& operator<<(std::ostream& os, const ZeroMadCase& c) { return os << c.name; }
};

class MadZeroMadTest : public ::testing::TestWithParam<ZeroMadCase> {};

TEST_P(MadZeroMadTest, FallsBackToMeanAbsoluteDeviation) {
  const ZeroMadCase& c = GetParam();
  MadDetector detector(MadOptions{});
  for (int i = 0; i < 60; ++i) (void)detector.Update(i % 6 == 5 ? 11.0 : 10.0);
  AnomalyResult r = detector.Update(c.x);
  EXPECT_NEAR(r.score, std::erf(c.z / std::sqrt(2.0)), 1e-3);
  EXPECT_EQ(r.anomaly, c.anomaly);
}

INSTANTIATE_TEST_SUITE_P(Table, MadZeroMadTest,
                         ::testing::Values(ZeroMadCase{"AtMedian", 10, 0, false},
                                           ZeroMadCase{"TheMinority", 11, 4.787, true},
                                           ZeroMadCase{"Halfway", 10.5, 2.394, false},
                                           ZeroMadCase{"Below", 9.2, 3.830, true}),
                         [](const ::testing::TestParamInfo<ZeroMadCase>& p) {
                           return p.param.name;
                         });

TEST(MadDetector, ScoresStayInUnitInterval) {
  std::mt19937_64 rng(99);
  std::cauchy_distribution<double> cauchy(0, 1);
  std::uniform_int_distribution<int> kind(0, 3);
  MadDetector detector(MadOptions{.window = 30, .threshold = 3.5, .min_points = 2});
  double level = 0;
  for (int i = 0; i < 20'000; ++i) {
    switch (kind(rng)) {
      case 0:
        level = cauchy(rng) * 1e12;
        break;
      case 1:
        break;  // repeat
      default:
        level += cauchy(rng);
        break;
    }
    AnomalyResult r = detector.Update(level);
    ASSERT_GE(r.score, 0) << "update " << i;
    ASSERT_LE(r.score, 1) << "update " << i;
  }
}

// The sorted window and the selection against sorting a copy every time, over odd and
// even windows and data with many ties (so that MAD is often 0 and equal values are
// inserted and erased).

struct ReferenceCase {
  std::string name;
  std::size_t window;
  std::size_t min_points;
  int levels;  // values are whole numbers in [0, levels): few levels, many ties
  friend std::ostream& operator<<(std::ostream& os, const ReferenceCase& c) { return os << c.name; }
};

class MadReferenceTest : public ::testing::TestWithParam<ReferenceCase> {};

TEST_P(MadReferenceTest, MatchesSortingACopy) {
  const ReferenceCase& c = GetParam();
  constexpr double kThreshold = 2.0;
  MadDetector detector(
      MadOptions{.window = c.window, .threshold = kThreshold, .min_points = c.min_points});
  std::mt19937_64 rng(c.window * 1000 + static_cast<std::uint64_t>(c.levels));
  std::uniform_int_distribution<int> level(0, c.levels - 1);
  std::deque<double> window;
  for (int i = 0; i < 5000; ++i) {
    const double x = level(rng);
    AnomalyResult got = detector.Update(x);
    AnomalyResult want = window.size() >= c.min_points
                             ? Reference({window.begin(), window.end()}, x, kThreshold)
                             : AnomalyResult{};
    ASSERT_NEAR(got.score, want.score, 1e-12) << "update " << i;
    ASSERT_EQ(got.anomaly, want.anomaly) << "update " << i;
    window.push_back(x);
    if (window.size() > c.window) window.pop_front();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MadReferenceTest,
                         ::testing::Values(ReferenceCase{"OddWindowFewLevels", 7, 3, 3},
                                           ReferenceCase{"EvenWindowFewLevels", 8, 2, 3},
                                           ReferenceCase{"SmallestWindow", 3, 2, 5},
                                           ReferenceCase{"DefaultWindowManyLevels", 60, 10, 1000},
                                           ReferenceCase{"EvenWindowTwoLevels", 60, 60, 2}),
                         [](const ::testing::TestParamInfo<ReferenceCase>& p) {
                           return p.param.name;
                         });

}  // namespace
}  // namespace prescale
