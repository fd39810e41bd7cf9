// Tests of what the built-in forecasters share: the registry and its factories, the
// Forecaster contract (upper bound, readiness, no allocation), ResidualSpread with
// NormalQuantile, and ForecastResult's peaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "forecast/residual_spread.h"
#include "prescale/forecaster.h"
#include "prescale/params.h"
#include "prescale/state_codec.h"

namespace prescale {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<Forecaster> MustCreate(const std::string& name, const Params& params = Params(),
                                       ForecasterContext context = {}) {
  Result<std::unique_ptr<Forecaster>> f = Forecasters().Create(name, params, context);
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? std::move(f).value() : nullptr;
}

// ---------------------------------------------------------------- registry

TEST(ForecasterRegistryTest, ListsEveryBuiltIn) {
  EXPECT_EQ(Forecasters().Names(), std::vector<std::string>({"auto", "holt-winters", "linear", "naive",
                                                       "percentile", "recent-max",
                                                       "seasonal-naive"}));
}

TEST(ForecasterRegistryTest, CreatesWithDefaults) {
  for (const std::string& name : Forecasters().Names()) {
    std::unique_ptr<Forecaster> f = MustCreate(name);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->name(), name);
  }
}

TEST(ForecasterRegistryTest, UnknownNameListsKnownOnes) {
  Result<std::unique_ptr<Forecaster>> f = Forecasters().Create("holt-winter", Params(), {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "unknown forecaster 'holt-winter' (did you mean 'holt-winters'?); known: "
            "auto, holt-winters, linear, naive, percentile, recent-max, seasonal-naive");
}

struct BadParamCase {
  std::string test_name;
  std::string forecaster;
  std::string key;
  std::string value;
  std::string message;  // the whole error
  double step_s = 60;
};

void PrintTo(const BadParamCase& c, std::ostream* os) { *os << c.test_name; }

class BadParamTest : public testing::TestWithParam<BadParamCase> {};

TEST_P(BadParamTest, FailsNamingTheKey) {
  const BadParamCase& c = GetParam();
  Params params;
  params.Set(c.key, c.value);
  ForecasterContext context;
  context.step = Duration(c.step_s);
  Result<std::unique_ptr<Forecaster>> f = Forecasters().Create(c.forecaster, params, context);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadParamTest,
    testing::Values(
        BadParamCase{"WindowTooSmall", "linear", "window", "1", "'window' must be >= 2, got 1"},
        BadParamCase{"WindowTooLarge", "linear", "window", "2000000",
                     "'window' must be <= 1000000, got 2000000"},
        BadParamCase{"WindowNotANumber", "linear", "window", "ten",
                     "'window' expects a whole number, got 'ten'"},
        BadParamCase{"LinearHalflifeZero", "linear", "spread_halflife", "0",
                     "'spread_halflife' must be > 0 (points), got 0"},
        BadParamCase{"AlphaZero", "holt-winters", "alpha", "0", "'alpha' must be in (0, 1], got 0"},
        BadParamCase{"AlphaAboveOne", "holt-winters", "alpha", "1.5",
                     "'alpha' must be in (0, 1], got 1.5"},
        BadParamCase{"BetaNegative", "holt-winters", "beta", "-0.1",
                     "'beta' must be in [0, 1], got -0.1"},
        BadParamCase{"GammaAboveOne", "holt-winters", "gamma", "2",
                     "'gamma' must be in [0, 1], got 2"},
        BadParamCase{"DampedZero", "holt-winters", "damped", "0",
                     "'damped' must be in (0, 1], got 0"},
        BadParamCase{"AlphaNotANumber", "holt-winters", "alpha", "high",
                     "'alpha' expects a number, got 'high'"},
        BadParamCase{"WeeklyNotABool", "holt-winters", "weekly", "maybe",
                     "'weekly' expects true or false, got 'maybe'"},
        BadParamCase{"WeeklyStepTooFine", "holt-winters", "weekly", "true",
                     "'weekly' needs 2 to 140000 steps per week, but the step is 1 s", 1},
        BadParamCase{"UnknownKeySuggestsNearest", "holt-winters", "alpah", "0.3",
                     "'alpah' is not a known key (did you mean 'alpha'?); known: alpha beta "
                     "gamma damped weekly spread_halflife robust_k"},
        BadParamCase{"UnknownLinearKey", "linear", "windows", "5",
                     "'windows' is not a known key (did you mean 'window'?); known: window "
                     "spread_halflife"},
        BadParamCase{"NaiveHasNoWindow", "naive", "window", "3",
                     "'window' is not a known key; known: spread_halflife"},
        BadParamCase{"NaiveHalflifeNegative", "naive", "spread_halflife", "-1",
                     "'spread_halflife' must be > 0 (points), got -1"},
        BadParamCase{"RecentMaxWindowZero", "recent-max", "window", "0",
                     "'window' must be in [1, 10000], got 0"},
        BadParamCase{"RecentMaxWindowTooLarge", "recent-max", "window", "10001",
                     "'window' must be in [1, 10000], got 10001"},
        BadParamCase{"RecentMaxWindowNotWhole", "recent-max", "window", "three",
                     "'window' expects a whole number, got 'three'"},
        BadParamCase{"RecentMaxHasNoLevel", "recent-max", "level", "0.9",
                     "'level' is not a known key; known: window spread_halflife"},
        BadParamCase{"PercentileWindowZero", "percentile", "window", "0",
                     "'window' must be in [1, 100000], got 0"},
        BadParamCase{"PercentileWindowTooLarge", "percentile", "window", "100001",
                     "'window' must be in [1, 100000], got 100001"},
        BadParamCase{"PercentileLevelAboveOne", "percentile", "level", "1.5",
                     "'level' must be in [0, 1], got 1.5"},
        BadParamCase{"PercentileLevelNegative", "percentile", "level", "-0.1",
                     "'level' must be in [0, 1], got -0.1"},
        BadParamCase{"PercentileLevelNotANumber", "percentile", "level", "p99",
                     "'level' expects a number, got 'p99'"},
        BadParamCase{"PercentileUnknownKey", "percentile", "levle", "0.9",
                     "'levle' is not a known key (did you mean 'level'?); known: window level "
                     "spread_halflife"},
        BadParamCase{"SeasonalNaiveWeeklyNotABool", "seasonal-naive", "weekly", "maybe",
                     "'weekly' expects true or false, got 'maybe'"},
        BadParamCase{"SeasonalNaiveHasNoWindow", "seasonal-naive", "window", "24",
                     "'window' is not a known key; known: weekly spread_halflife"},
        BadParamCase{"SeasonalNaiveNoDailySeason", "seasonal-naive", "weekly", "false",
                     "a day of 86400 s steps is no season seasonal-naive can use", 86400},
        BadParamCase{"SeasonalNaiveStepTooFine", "seasonal-naive", "weekly", "false",
                     "a day of 4 s steps is no season seasonal-naive can use", 4},
        BadParamCase{"SeasonalNaiveWeekTooFine", "seasonal-naive", "weekly", "true",
                     "a week of 4 s steps is no season seasonal-naive can use", 4},
        BadParamCase{"SeasonalNaiveStepZero", "seasonal-naive", "weekly", "false",
                     "seasonal-naive needs a step > 0 s, got 0", 0}),
    [](const testing::TestParamInfo<BadParamCase>& case_info) {
      return case_info.param.test_name;
    });

TEST(ForecasterRegistryTest, ErrorCarriesThePositionInTheConfig) {
  Params params;
  params.Set("alpha", "3", SourceMark{"prescale.yaml", 12, 7});
  Result<std::unique_ptr<Forecaster>> f = Forecasters().Create("holt-winters", params, {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "prescale.yaml:12:7: 'alpha' must be in (0, 1], got 3");
}

TEST(ForecasterRegistryTest, HoltWintersNeedsAPositiveStep) {
  ForecasterContext context;
  context.step = Duration(0);
  Result<std::unique_ptr<Forecaster>> f = Forecasters().Create("holt-winters", Params(), context);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "holt-winters needs a step > 0 s, got 0");
}

TEST(ForecasterRegistryTest, AcceptsValidParams) {
  Params params;
  params.Set("alpha", "0.5");
  params.Set("beta", "0");
  params.Set("gamma", "1");
  params.Set("damped", "1");
  params.Set("weekly", "true");
  params.Set("spread_halflife", "20");
  ForecasterContext context;
  context.step = Duration(300);
  EXPECT_NE(MustCreate("holt-winters", params, context), nullptr);
  Params linear;
  linear.Set("window", "2");
  EXPECT_NE(MustCreate("linear", linear), nullptr);
}

// The record a forecaster saves: for the naive kinds, its header is "1 kind window".
std::string SavedHeader(const Forecaster& f) {
  StateWriter w;
  f.Save(w);
  const std::string& text = w.text();
  std::size_t end = 0;
  for (int spaces = 0; end < text.size() && spaces < 3; ++end) {
    if (text[end] == ' ' && ++spaces == 3) break;
  }
  return text.substr(0, end);
}

struct NaiveParamCase {
  std::string test_name;
  std::string forecaster;
  std::vector<std::pair<std::string, std::string>> params;
  double step_s;
  std::string header;  // version, kind, window
};

void PrintTo(const NaiveParamCase& c, std::ostream* os) { *os << c.test_name; }

class NaiveParamTest : public testing::TestWithParam<NaiveParamCase> {};

TEST_P(NaiveParamTest, SetsTheWindow) {
  const NaiveParamCase& c = GetParam();
  Params params;
  for (const auto& [key, value] : c.params) params.Set(key, value);
  ForecasterContext context;
  context.step = Duration(c.step_s);
  std::unique_ptr<Forecaster> f = MustCreate(c.forecaster, params, context);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name(), c.forecaster);
  EXPECT_EQ(SavedHeader(*f), c.header);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NaiveParamTest,
    testing::Values(
        NaiveParamCase{"Naive", "naive", {}, 60, "1 0 1"},
        NaiveParamCase{"RecentMaxDefault", "recent-max", {}, 60, "1 1 3"},
        NaiveParamCase{"RecentMaxWindow", "recent-max", {{"window", "10000"}}, 60, "1 1 10000"},
        NaiveParamCase{"SeasonalDailyAtFiveMinutes", "seasonal-naive", {}, 300, "1 2 288"},
        NaiveParamCase{
            "SeasonalWeeklyHourly", "seasonal-naive", {{"weekly", "true"}}, 3600, "1 2 168"},
        NaiveParamCase{
            "SeasonalWeeklyAtDailySteps", "seasonal-naive", {{"weekly", "true"}}, 86400, "1 2 7"},
        NaiveParamCase{"PercentileDefault", "percentile", {}, 60, "1 3 1000"},
        NaiveParamCase{"PercentileWindowLevel",
                       "percentile",
                       {{"window", "1"}, {"level", "0"}, {"spread_halflife", "5"}},
                       60,
                       "1 3 1"}),
    [](const testing::TestParamInfo<NaiveParamCase>& case_info) {
      return case_info.param.test_name;
    });

TEST(ForecasterRegistryTest, PercentileLevelReachesTheForecast) {
  Params params;
  params.Set("window", "10");
  params.Set("level", "0.5");
  std::unique_ptr<Forecaster> f = MustCreate("percentile", params);
  ASSERT_NE(f, nullptr);
  for (int v = 1; v <= 20; ++v) f->Observe(v);  // the window holds 11..20
  ForecastResult r;
  f->Forecast(1, 0.9, r);
  EXPECT_EQ(r.point[0], 15.0);
}

// ---------------------------------------------------------------- the contract

class ForecasterContractTest : public testing::TestWithParam<std::string> {
 protected:
  // A noisy daily cycle at 5-minute steps, three days long.
  std::unique_ptr<Forecaster> Trained() {
    ForecasterContext context;
    context.step = Duration(300);
    std::unique_ptr<Forecaster> f = MustCreate(GetParam(), Params(), context);
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(0, 3);
    for (int t = 0; t < 3 * 288; ++t)
      f->Observe(50 + 20 * std::sin(2 * kPi * t / 288) + noise(rng));
    return f;
  }
};

TEST_P(ForecasterContractTest, NotReadyBeforeAnyValue) {
  std::unique_ptr<Forecaster> f = MustCreate(GetParam());
  f->Observe(std::nullopt);
  ForecastResult r;
  f->Forecast(4, 0.9, r);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.point, std::vector<double>(4, 0.0));
  EXPECT_EQ(r.upper, std::vector<double>(4, 0.0));
  EXPECT_EQ(r.quantile, 0.9);
}

TEST_P(ForecasterContractTest, UpperGrowsWithHorizonAndQuantile) {
  std::unique_ptr<Forecaster> f = Trained();
  ForecastResult median, q90, q99;
  f->Forecast(6, 0.5, median);
  f->Forecast(6, 0.9, q90);
  f->Forecast(6, 0.99, q99);
  ASSERT_TRUE(q90.ready);
  EXPECT_EQ(q90.quantile, 0.9);
  EXPECT_EQ(q99.quantile, 0.99);
  for (int h = 1; h <= 6; ++h) {
    SCOPED_TRACE("h=" + std::to_string(h));
    EXPECT_EQ(q90.point[h - 1], median.point[h - 1]);
    EXPECT_NEAR(median.upper[h - 1], median.point[h - 1], 1e-9);  // z(0.5) = 0
    EXPECT_GT(q90.upper[h - 1], q90.point[h - 1]);
    EXPECT_GT(q99.upper[h - 1], q90.upper[h - 1]);
    if (h > 1) {
      EXPECT_GT(q90.upper[h - 1] - q90.point[h - 1], q90.upper[h - 2] - q90.point[h - 2]);
    }
  }
  EXPECT_GE(q90.PeakUpper(), q90.PeakPoint());
}

TEST_P(ForecasterContractTest, ForecastReusesTheResult) {
  std::unique_ptr<Forecaster> f = Trained();
  ForecastResult r;
  f->Forecast(4, 0.9, r);
  const double* point = r.point.data();
  const double* upper = r.upper.data();
  for (int i = 0; i < 10; ++i) {
    f->Observe(50.0 + i);
    f->Forecast(4, 0.9, r);
  }
  EXPECT_EQ(r.point.data(), point);
  EXPECT_EQ(r.upper.data(), upper);
  f->Forecast(2, 0.9, r);  // a different horizon resizes
  EXPECT_EQ(r.horizon(), 2);
  EXPECT_EQ(r.upper.size(), 2u);
  f->Forecast(7, 0.9, r);
  EXPECT_EQ(r.horizon(), 7);
  EXPECT_EQ(r.upper.size(), 7u);
}

TEST_P(ForecasterContractTest, MissingValuesDoNotBreakIt) {
  std::unique_ptr<Forecaster> f = Trained();
  for (int i = 0; i < 20; ++i) f->Observe(std::nullopt);
  f->Observe(std::nan(""));
  ForecastResult r;
  f->Forecast(4, 0.9, r);
  EXPECT_TRUE(r.ready);
  for (int h = 0; h < 4; ++h) {
    EXPECT_TRUE(std::isfinite(r.point[h]));
    EXPECT_TRUE(std::isfinite(r.upper[h]));
  }
}

INSTANTIATE_TEST_SUITE_P(BuiltIns, ForecasterContractTest,
                         testing::Values("linear", "holt-winters", "auto", "naive", "recent-max",
                                         "seasonal-naive", "percentile"),
                         [](const testing::TestParamInfo<std::string>& case_info) {
                           // "seasonal-naive" -> "SeasonalNaive"
                           std::string name;
                           bool upper = true;
                           for (char c : case_info.param) {
                             if (c == '-') {
                               upper = true;
                               continue;
                             }
                             name += upper ? static_cast<char>(std::toupper(c)) : c;
                             upper = false;
                           }
                           return name;
                         });

// ---------------------------------------------------------------- ResidualSpread

TEST(NormalQuantileTest, MatchesReferenceValues) {
  // Reference values of the inverse standard normal CDF (to 16 digits).
  const std::pair<double, double> cases[] = {
      {0.5, 0.0},
      {0.75, 0.6744897501960817},
      {0.9, 1.2815515655446004},
      {0.95, 1.6448536269514722},
      {0.975, 1.9599639845400545},
      {0.99, 2.3263478740408408},
      {0.999, 3.090232306167813},
      {0.01, -2.3263478740408408},
      {1e-10, -6.361340902404056},
      {0.9999, 3.719016485455709},
  };
  for (const auto& [p, z] : cases) {
    EXPECT_NEAR(NormalQuantile(p), z, 1e-12 * std::max(1.0, std::abs(z))) << "p=" << p;
  }
  EXPECT_EQ(NormalQuantile(0), -INFINITY);
  EXPECT_EQ(NormalQuantile(1), INFINITY);
}

TEST(ResidualSpreadTest, EmptyHasNoSpread) {
  ResidualSpread spread(100);
  EXPECT_EQ(spread.count(), 0);
  EXPECT_EQ(spread.Sigma(), 0.0);
  ForecastResult r;
  r.point = {1, 2};
  r.upper = {0, 0};
  spread.FillUpper(0.9, r);
  EXPECT_EQ(r.upper, r.point);
}

TEST(ResidualSpreadTest, SigmaOfNormalResiduals) {
  // The mean absolute value of N(0, 2) residuals, times sqrt(pi / 2), is close to 2.
  ResidualSpread spread(1e9);  // practically no forgetting
  std::mt19937 rng(9);
  std::normal_distribution<double> noise(0, 2);
  for (int i = 0; i < 100000; ++i) spread.Add(noise(rng));
  EXPECT_NEAR(spread.Sigma(), 2.0, 0.02);
}

TEST(ResidualSpreadTest, HalflifeForgets) {
  ResidualSpread spread(10);
  for (int i = 0; i < 1000; ++i) spread.Add(i % 2 == 0 ? 5.0 : -5.0);
  EXPECT_NEAR(spread.MeanAbs(), 5.0, 1e-9);
  for (int i = 0; i < 10; ++i) spread.Add(1.0);
  EXPECT_NEAR(spread.MeanAbs(), 3.0, 0.05);  // half the weight on each level
  spread.Add(std::nan(""));                  // ignored
  EXPECT_EQ(spread.count(), 1010);
}

TEST(ResidualSpreadTest, UpperIsPointPlusZSigmaRootH) {
  ResidualSpread spread(100);
  spread.Add(1.0);  // MeanAbs 1, sigma sqrt(pi / 2)
  ForecastResult r;
  SizeForecast(3, r);
  r.point = {10, 20, 30};
  spread.FillUpper(0.95, r);
  const double step = 1.6448536269514722 * ResidualSpread::kMeanAbsToSigma;
  EXPECT_NEAR(r.upper[0], 10 + step, 1e-12);
  EXPECT_NEAR(r.upper[1], 20 + step * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(r.upper[2], 30 + step * std::sqrt(3.0), 1e-12);
  EXPECT_EQ(r.quantile, 0.95);
}

TEST(ForecastResultTest, Peaks) {
  ForecastResult r;
  EXPECT_EQ(r.PeakUpper(), 0.0);
  EXPECT_EQ(r.PeakPoint(), 0.0);
  r.point = {3, 7, 5};
  r.upper = {4, 8, 9};
  EXPECT_EQ(r.PeakPoint(), 7.0);
  EXPECT_EQ(r.PeakUpper(), 9.0);
  r.point = {-3, -1};
  EXPECT_EQ(r.PeakPoint(), -1.0);
}

}  // namespace
}  // namespace prescale
