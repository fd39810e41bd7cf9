#include "forecast/linear_regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace prescale {
namespace {

using Series = std::vector<std::optional<double>>;

LinearRegressionForecaster MakeLinear(int window) {
  LinearRegressionForecaster::Options options;
  options.window = window;
  return LinearRegressionForecaster(options);
}

// The reference: a batch least squares line over the last `window` observed values,
// with x the interval index, evaluated at `at`.
double BatchFit(const Series& series, int window, std::int64_t at) {
  std::vector<double> xs, ys;
  for (std::int64_t i = static_cast<std::int64_t>(series.size()) - 1;
       i >= 0 && static_cast<int>(xs.size()) < window; --i) {
    if (!series[i]) continue;
    xs.push_back(static_cast<double>(i));
    ys.push_back(*series[i]);
  }
  const double n = static_cast<double>(xs.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i] / n;
    my += ys[i] / n;
  }
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const double slope = xs.size() < 2 ? 0.0 : sxy / sxx;
  return my + slope * (static_cast<double>(at) - mx);
}

TEST(LinearRegressionTest, RecoversKnownTrendExactly) {
  LinearRegressionForecaster f = MakeLinear(10);
  for (int t = 0; t < 40; ++t) f.Observe(3 + 0.5 * t);
  // Of the 39 residuals only the first, 0.5 from the flat forecast of one value, is
  // not 0.
  EXPECT_EQ(f.spread().count(), 39);
  EXPECT_GT(f.spread().MeanAbs(), 0.0);
  EXPECT_LT(f.spread().MeanAbs(), 0.5 / 20);
  ForecastResult r;
  f.Forecast(5, 0.9, r);
  ASSERT_TRUE(r.ready);
  ASSERT_EQ(r.horizon(), 5);
  for (int h = 1; h <= 5; ++h) {
    EXPECT_NEAR(r.point[h - 1], 3 + 0.5 * (39 + h), 1e-9) << "h=" << h;
    EXPECT_GE(r.upper[h - 1], r.point[h - 1]) << "h=" << h;
  }
}

struct WindowCase {
  std::string name;
  int window;
  Series values;
  std::vector<double> expected;  // forecasts for h = 1, 2, 3
  bool ready = true;
};

void PrintTo(const WindowCase& c, std::ostream* os) { *os << c.name; }

class LinearWindowTest : public testing::TestWithParam<WindowCase> {};

TEST_P(LinearWindowTest, Forecasts) {
  const WindowCase& c = GetParam();
  LinearRegressionForecaster f = MakeLinear(c.window);
  for (const auto& v : c.values) f.Observe(v);
  ForecastResult r;
  f.Forecast(3, 0.9, r);
  EXPECT_EQ(r.ready, c.ready);
  ASSERT_EQ(r.point.size(), c.expected.size());
  for (std::size_t i = 0; i < c.expected.size(); ++i) {
    EXPECT_NEAR(r.point[i], c.expected[i], 1e-9) << "h=" << i + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LinearWindowTest,
    testing::Values(
        WindowCase{"NothingSeen", 10, {}, {0, 0, 0}, false},
        WindowCase{"OnlyMissing", 10, {std::nullopt, std::nullopt}, {0, 0, 0}, false},
        WindowCase{"OneValueIsFlat", 10, {7}, {7, 7, 7}},
        WindowCase{"TwoValuesMakeALine", 10, {1, 3}, {5, 7, 9}},
        WindowCase{"WindowDropsOldValues", 3, {100, 100, 1, 2, 3}, {4, 5, 6}},
        // OLS over x = 0..4, y = {100, 100, 1, 2, 3}: slope -29.2, mean 41.2 at x = 2.
        WindowCase{"WindowKeepsAllItHolds", 5, {100, 100, 1, 2, 3}, {-46.4, -75.6, -104.8}},
        // A gap keeps the true distance in time: x = 0 and x = 2.
        WindowCase{"MissingValueIsSkipped", 10, {1, std::nullopt, 3}, {4, 5, 6}},
        // Missing values at the end still advance time: forecasts are for x = 3, 4, 5.
        WindowCase{"MissingAtEndAdvancesTime", 10, {0, 1, std::nullopt}, {3, 4, 5}},
        // The window counts observed values, not intervals.
        WindowCase{"WindowCountsObservedValues", 2, {1, std::nullopt, std::nullopt, 4}, {5, 6, 7}},
        WindowCase{"NonFiniteIsMissing", 10, {1, std::nan(""), 3}, {4, 5, 6}}),
    [](const testing::TestParamInfo<WindowCase>& case_info) { return case_info.param.name; });

// The running sums (with their re-centring) agree with a batch fit over a long noisy
// series with gaps and a large offset, for several windows.
TEST(LinearRegressionTest, MatchesBatchLeastSquares) {
  for (int window : {2, 3, 10, 50}) {
    SCOPED_TRACE("window=" + std::to_string(window));
    std::mt19937 rng(42);
    std::normal_distribution<double> noise(0, 5);
    std::uniform_real_distribution<double> unit(0, 1);
    LinearRegressionForecaster f = MakeLinear(window);
    Series series;
    ForecastResult r;
    for (int t = 0; t < 3000; ++t) {
      // 10 % missing, plus a long outage.
      const bool missing = unit(rng) < 0.1 || (t >= 1500 && t < 1800);
      std::optional<double> v;
      if (!missing) v = 1e6 + 0.3 * t + 50 * std::sin(t / 40.0) + noise(rng);
      series.push_back(v);
      f.Observe(v);
      if (t % 7 != 0) continue;
      f.Forecast(3, 0.9, r);
      for (int h = 1; h <= 3; ++h) {
        const double want = BatchFit(series, window, t + h);
        ASSERT_NEAR(r.point[h - 1], want, 1e-6 * std::abs(want)) << "t=" << t << " h=" << h;
      }
    }
  }
}

TEST(LinearRegressionTest, SpreadComesFromOneStepResiduals) {
  // Alternating +-1 around a flat line with window 2: each forecast extrapolates the
  // last jump, so every residual after the second value is 4 (or -4) in size.
  LinearRegressionForecaster f = MakeLinear(2);
  for (int t = 0; t < 50; ++t) f.Observe(t % 2 == 0 ? 1.0 : -1.0);
  EXPECT_EQ(f.spread().count(), 49);
  // The first residual (one value seen, flat forecast) is 2; the later ones are 4.
  EXPECT_GT(f.spread().MeanAbs(), 3.9);
  EXPECT_LE(f.spread().MeanAbs(), 4.0);
}

}  // namespace
}  // namespace prescale
