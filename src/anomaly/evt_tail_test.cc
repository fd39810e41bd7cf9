// The tail model and the standardiser: calibration on known distributions, and the
// robustness the detector relies on.
#include "anomaly/evt_tail.h"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace prescale {
namespace {

// Feeds `n` draws to a tail and returns, for each surprise level, the share of the
// draws (scored before they were learned, as the detector does) that reached it.
template <class Draw>
std::vector<double> ShareAbove(ExceedanceTail& tail, Draw draw, int n,
                               const std::vector<double>& levels) {
  std::vector<double> hits(levels.size(), 0);
  for (int i = 0; i < n; ++i) {
    const double z = draw();
    const double s = tail.Surprise(z);
    for (std::size_t k = 0; k < levels.size(); ++k) hits[k] += s >= levels[k] ? 1 : 0;
    tail.Learn(z);
  }
  for (double& h : hits) h /= n;
  return hits;
}

struct CalibrationCase {
  std::string name;
  int distribution;  // 0 normal, 1 exponential, 2 Pareto with shape 0.3
  friend std::ostream& operator<<(std::ostream& os, const CalibrationCase& c) {
    return os << c.name;
  }
};

class TailCalibrationTest : public ::testing::TestWithParam<CalibrationCase> {};

// A calibrated surprise s is reached by a share of about e^-s of the values. The fit
// is rough by design (moments, clamped shape), so a factor of 4 either way passes;
// a normal-probability z-score would be off by orders of magnitude on the Pareto.
TEST_P(TailCalibrationTest, ShareAboveASurpriseIsAboutItsProbability) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(0, 1);
  std::exponential_distribution<double> exponential(1);
  std::uniform_real_distribution<double> uniform(0, 1);
  const int kind = GetParam().distribution;
  auto draw = [&] {
    if (kind == 0) return normal(rng);
    if (kind == 1) return exponential(rng);
    return (std::pow(1 - uniform(rng), -0.3) - 1) / 0.3;  // GPD(xi = 0.3, sigma = 1)
  };
  ExceedanceTail tail(TailOptions{.threshold_z = kind == 0 ? 2.0 : 1.0,
                                  .event_memory = 2000,
                                  .rate_memory = 20000,
                                  .max_shape = 0.5});
  (void)ShareAbove(tail, draw, 20000, {});  // settle the fit
  const std::vector<double> levels = {4, 6, 8};
  const std::vector<double> share = ShareAbove(tail, draw, 400000, levels);
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double expected = std::exp(-levels[k]);
    EXPECT_GT(share[k], expected / 4) << "surprise " << levels[k];
    EXPECT_LT(share[k], expected * 4) << "surprise " << levels[k];
  }
}

INSTANTIATE_TEST_SUITE_P(Distributions, TailCalibrationTest,
                         ::testing::Values(CalibrationCase{"Normal", 0},
                                           CalibrationCase{"Exponential", 1},
                                           CalibrationCase{"Pareto", 2}),
                         [](const auto& info) { return info.param.name; });

TEST(ExceedanceTail, ZeroAtOrBelowThresholdAndMonotoneAbove) {
  ExceedanceTail tail(TailOptions{.threshold_z = 3});
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal(0, 1.5);
  for (int i = 0; i < 5000; ++i) tail.Learn(normal(rng));
  EXPECT_EQ(tail.Surprise(-100), 0);
  EXPECT_EQ(tail.Surprise(0), 0);
  EXPECT_EQ(tail.Surprise(3), 0);
  double previous = tail.Surprise(3.0001);
  EXPECT_GT(previous, 0);
  for (double z = 3.1; z < 1e4; z *= 1.3) {
    const double s = tail.Surprise(z);
    EXPECT_GT(s, previous) << "z " << z;
    EXPECT_TRUE(std::isfinite(s)) << "z " << z;
    previous = s;
  }
}

TEST(ExceedanceTail, RepeatedLargeExcessesBecomeLessSurprising) {
  // The same burst every 100 values: the fit learns that bursts happen.
  ExceedanceTail tail(TailOptions{.threshold_z = 3, .event_memory = 50});
  double first = 0;
  double last = 0;
  for (int i = 0; i < 3000; ++i) {
    const double z = i % 100 == 99 ? 40 : 0.5 * std::sin(i);
    if (i == 99) first = tail.Surprise(z);
    if (i == 2999) last = tail.Surprise(z);
    tail.Learn(z);
  }
  EXPECT_LT(last, first - 10);
  EXPECT_GT(last, 0);
}

TEST(ExceedanceTail, SaveAndReadRoundTrip) {
  ExceedanceTail tail;
  for (int i = 0; i < 500; ++i) tail.Learn(std::fmod(i * 0.37, 7.0));
  StateWriter w;
  tail.Save(w);
  ExceedanceTail copy;
  StateReader r(w.text());
  copy.Read(r);
  ASSERT_TRUE(r.Finish().ok());
  for (double z : {3.5, 5.0, 9.0, 100.0}) EXPECT_EQ(copy.Surprise(z), tail.Surprise(z));
}

TEST(ExceedanceTail, ReadRejectsImpossibleState) {
  for (const char* text : {"2 1 2 0", "0.1 -1 2 0", "0.1 1 0.5 0", "0.1 1 2 -3", "nan 1 2 0"}) {
    ExceedanceTail tail;
    StateReader r(text);
    tail.Read(r);
    EXPECT_FALSE(r.Finish().ok()) << text;
  }
}

TEST(RobustStandardizer, ASpikeBarelyMovesTheCentre) {
  RobustStandardizer s(StandardizerOptions{.memory = 1000, .clip = 3, .warmup = 50});
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(100, 2);
  for (int i = 0; i < 2000; ++i) s.Learn(normal(rng));
  const double before = s.Z(100);
  s.Learn(1e9);
  EXPECT_NEAR(s.Z(100), before, 0.05);
  EXPECT_GT(s.Z(110), 3);  // about 5 sigma: the mean absolute deviation is 0.8 sigma
  EXPECT_EQ(s.Z(1e300), RobustStandardizer::kMaxZ);
  EXPECT_EQ(s.Z(-1e300), -RobustStandardizer::kMaxZ);
}

TEST(RobustStandardizer, FloorMakesSmallChangesOfAQuietSeriesNormal) {
  RobustStandardizer s(StandardizerOptions{.memory = 1000, .floor = 0.01});
  for (int i = 0; i < 500; ++i) s.Learn(200);
  EXPECT_EQ(s.Z(200), 0);
  EXPECT_LT(std::fabs(s.Z(200.5)), 1);  // 0.25 % of the level
  EXPECT_GT(s.Z(220), 5);               // 10 % of it
}

TEST(RobustStandardizer, WarmsUpAfterItsWarmup) {
  RobustStandardizer s(StandardizerOptions{.warmup = 5});
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(s.warm());
    s.Learn(i);
  }
  s.Learn(4);
  EXPECT_TRUE(s.warm());
}

TEST(FeatureSurprise, ZeroWhileWarmingUpThenScoresBothTails) {
  FeatureSurprise f(StandardizerOptions{.warmup = 50}, TailOptions{}, /*two_sided=*/true);
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(10, 1);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(f.Update(normal(rng)), 0) << "value " << i;
  for (int i = 0; i < 2000; ++i) (void)f.Update(normal(rng));
  EXPECT_GT(f.Update(25), 10);
  EXPECT_GT(f.Update(-5), 10);

  FeatureSurprise upper_only(StandardizerOptions{.warmup = 50}, TailOptions{}, false);
  for (int i = 0; i < 2000; ++i) (void)upper_only.Update(normal(rng));
  EXPECT_EQ(upper_only.Update(-5), 0);
  EXPECT_GT(upper_only.Update(25), 10);
}

}  // namespace
}  // namespace prescale
