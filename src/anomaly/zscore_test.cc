#include "anomaly/zscore.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace prescale {
namespace {

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

// ScoreDeviation: the mapping that both window detectors share.

struct ScoreCase {
  std::string name;
  double deviation;
  double scale;
  double threshold;
  double score;
  bool anomaly;
  friend std::ostream& operator<<(std::ostream& os, const ScoreCase& c) { return os << c.name; }
};

class ScoreDeviationTest : public ::testing::TestWithParam<ScoreCase> {};

TEST_P(ScoreDeviationTest, MapsZToScoreAndFlag) {
  const ScoreCase& c = GetParam();
  AnomalyResult r = ScoreDeviation(c.deviation, c.scale, c.threshold);
  EXPECT_NEAR(r.score, c.score, 1e-6);
  EXPECT_EQ(r.anomaly, c.anomaly);
}

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

INSTANTIATE_TEST_SUITE_P(
    Table, ScoreDeviationTest,
    ::testing::Values(ScoreCase{"AtCentre", 0, 1, 3, 0, false},
                      ScoreCase{"OneSigma", 1, 1, 3, 0.682689, false},
                      ScoreCase{"TwoSigmaScaled", 20, 10, 3, 0.954500, false},
                      ScoreCase{"ThreeSigmaIsNotAboveThreshold", 3, 1, 3, 0.997300, false},
                      ScoreCase{"JustAboveThreshold", 3.001, 1, 3, 0.997309, true},
                      ScoreCase{"NegativeIsSymmetric", -4, 1, 3, 0.999937, true},
                      ScoreCase{"FarOutRoundsToOne", 50, 1, 3, 1, true},
                      ScoreCase{"ZeroScaleAtCentre", 0, 0, 3, 0, false},
                      ScoreCase{"ZeroScaleAnyDifference", 1e-300, 0, 3, 1, true},
                      ScoreCase{"ZeroScaleNegative", -2, 0, 100, 1, true},
                      ScoreCase{"OverflowToInfinity", 1e300, 1e-300, 3, 1, true},
                      ScoreCase{"InfiniteOverInfinite", kInf, kInf, 3, 0, false},
                      ScoreCase{"NaNDeviation", kNaN, 1, 3, 0, false}),
    [](const ::testing::TestParamInfo<ScoreCase>& p) { return p.param.name; });

TEST(ScoreDeviation, IsMonotoneInZ) {
  double last = -1;
  for (double z = 0; z <= 10; z += 0.01) {
    double score = ScoreDeviation(z, 1, 3).score;
    EXPECT_GE(score, last) << "z = " << z;
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 1);
    last = score;
  }
}

// ZScoreDetector.

TEST(ZScoreDetector, NameIsZscore) { EXPECT_EQ(ZScoreDetector(ZScoreOptions{}).name(), "zscore"); }

TEST(ZScoreDetector, WaitsForMinPoints) {
  ZScoreDetector detector(ZScoreOptions{.window = 60, .threshold = 3, .min_points = 10});
  // Values 0..9 are the warm-up: each is scored against fewer than 10 values, so even
  // wild jumps score 0.
  for (int i = 0; i < 10; ++i) {
    AnomalyResult r = detector.Update(i % 2 == 0 ? 0.0 : 1e6 * i);
    EXPECT_EQ(r.score, 0) << "update " << i;
    EXPECT_FALSE(r.anomaly) << "update " << i;
  }
  // The 11th value is the first scored against 10 previous ones.
  AnomalyResult r = detector.Update(1e9);
  EXPECT_GT(r.score, 0.99);
  EXPECT_TRUE(r.anomaly);
}

TEST(ZScoreDetector, ScoresAgainstPreviousValuesOnly) {
  // Were the value part of its own window, a lone spike among 10 points could never
  // exceed z = (n - 1) / sqrt(n) = 2.85 < 3 and would go unflagged.
  ZScoreDetector detector(ZScoreOptions{.window = 10, .threshold = 3, .min_points = 10});
  for (int i = 0; i < 10; ++i) (void)detector.Update(i % 2 == 0 ? 9.0 : 11.0);
  EXPECT_TRUE(detector.Update(100).anomaly);
}

TEST(ZScoreDetector, FlagsPlantedSpikeButNotItsNeighbours) {
  std::vector<double> values = GaussianNoise(1000, 100, 5, 42);
  constexpr std::size_t kSpike = 500;
  values[kSpike] += 60;  // 12 sigma
  ZScoreDetector detector(ZScoreOptions{});
  std::vector<AnomalyResult> r = Feed(detector, values);
  EXPECT_TRUE(r[kSpike].anomaly);
  EXPECT_GT(r[kSpike].score, 0.999);
  for (std::size_t i : {kSpike - 2, kSpike - 1, kSpike + 1, kSpike + 2}) {
    EXPECT_FALSE(r[i].anomaly) << "index " << i;
    EXPECT_LT(r[i].score, 0.999) << "index " << i;
  }
}

TEST(ZScoreDetector, FewFalseAlarmsOnGaussianNoise) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    ZScoreDetector detector(ZScoreOptions{});
    int alarms = 0;
    for (const AnomalyResult& r : Feed(detector, GaussianNoise(10'000, 50, 3, seed))) {
      alarms += r.anomaly ? 1 : 0;
    }
    EXPECT_LT(alarms, 100) << "seed " << seed;  // under 1 %
  }
}

TEST(ZScoreDetector, FlagsLevelShiftAtTheShift) {
  std::vector<double> values = GaussianNoise(600, 10, 1, 7);
  constexpr std::size_t kShift = 300;
  for (std::size_t i = kShift; i < values.size(); ++i) values[i] += 20;
  ZScoreDetector detector(ZScoreOptions{});
  std::vector<AnomalyResult> r = Feed(detector, values);
  for (std::size_t i = 0; i < kShift; ++i) ASSERT_FALSE(r[i].anomaly) << "index " << i;
  EXPECT_TRUE(r[kShift].anomaly);
  EXPECT_GT(r[kShift].score, 0.999);
}

TEST(ZScoreDetector, IgnoresMissingAndNonFiniteValues) {
  const std::vector<double> values = GaussianNoise(300, 0, 1, 11);
  ZScoreDetector plain(ZScoreOptions{});
  ZScoreDetector gappy(ZScoreOptions{});
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
    EXPECT_EQ(got.score, want.score);  // the gaps left no trace in the window
    EXPECT_EQ(got.anomaly, want.anomaly);
  }
}

class ZScoreConstantTest : public ::testing::TestWithParam<double> {};

TEST_P(ZScoreConstantTest, RepeatScoresZeroAndAnyChangeScoresOne) {
  const double c = GetParam();
  ZScoreDetector detector(ZScoreOptions{.window = 20, .threshold = 3, .min_points = 5});
  // Noise first, so that the running sums carry rounding residue when the window
  // turns constant; then three windows' worth, so the periodic recompute runs too.
  for (double noise : GaussianNoise(7, c, 0.3 + std::fabs(c) * 1e-3, 3)) {
    (void)detector.Update(noise);
  }
  for (int i = 0; i < 60; ++i) {
    AnomalyResult r = detector.Update(c);
    if (i < 20) continue;  // noise is still in the window
    EXPECT_EQ(r.score, 0) << "update " << i;
    EXPECT_FALSE(r.anomaly) << "update " << i;
  }
  const double next = std::nextafter(c, kInf);
  AnomalyResult r = detector.Update(next);
  EXPECT_EQ(r.score, 1);
  EXPECT_TRUE(r.anomaly);
}

INSTANTIATE_TEST_SUITE_P(Values, ZScoreConstantTest,
                         ::testing::Values(0.0, 0.1, -3.7, 42.0, 1e9 + 0.3, 1e-12));

TEST(ZScoreDetector, ScoresStayInUnitInterval) {
  // Heavy tails, huge magnitudes, long constant stretches and big jumps.
  std::mt19937_64 rng(99);
  std::cauchy_distribution<double> cauchy(0, 1);
  std::uniform_int_distribution<int> kind(0, 3);
  ZScoreDetector detector(ZScoreOptions{.window = 30, .threshold = 3, .min_points = 2});
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

// The running sums against a two-pass reference over the same window, where naive
// sums of squares would cancel catastrophically (offset 1e9, noise 1e-3).

struct PrecisionCase {
  std::string name;
  double offset;
  double sd;
  friend std::ostream& operator<<(std::ostream& os, const PrecisionCase& c) { return os << c.name; }
};

class ZScorePrecisionTest : public ::testing::TestWithParam<PrecisionCase> {};

TEST_P(ZScorePrecisionTest, MatchesTwoPassReference) {
  const PrecisionCase& c = GetParam();
  constexpr std::size_t kWindow = 50;
  constexpr double kThreshold = 2.0;  // low, so flags are exercised often
  ZScoreDetector detector(
      ZScoreOptions{.window = kWindow, .threshold = kThreshold, .min_points = 10});
  std::vector<double> values = GaussianNoise(20'000, 0, c.sd, 5);
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Jump between the offset and zero every 3000 points: the shift K must follow.
    values[i] += (i / 3000) % 2 == 0 ? c.offset : 0;
  }
  std::deque<double> window;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    AnomalyResult got = detector.Update(x);
    if (window.size() >= 10) {
      long double mean = 0;
      for (double v : window) mean += v;
      mean /= window.size();
      long double ss = 0;
      for (double v : window) ss += (v - mean) * (v - mean);
      const double sd = std::sqrt(static_cast<double>(ss / (window.size() - 1)));
      const double z = std::fabs(static_cast<double>(x - mean)) / sd;
      ASSERT_NEAR(got.score, std::erf(z / std::sqrt(2.0)), 1e-6) << "index " << i;
      if (std::fabs(z - kThreshold) > 1e-6) {
        ASSERT_EQ(got.anomaly, z > kThreshold) << "index " << i;
      }
    }
    window.push_back(x);
    if (window.size() > kWindow) window.pop_front();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ZScorePrecisionTest,
                         ::testing::Values(PrecisionCase{"Plain", 0, 1},
                                           PrecisionCase{"Offset1e6", 1e6, 1},
                                           PrecisionCase{"Offset1e9TinyNoise", 1e9, 1e-3},
                                           PrecisionCase{"Offset1e12", 1e12, 10}),
                         [](const ::testing::TestParamInfo<PrecisionCase>& p) {
                           return p.param.name;
                         });

}  // namespace
}  // namespace prescale
