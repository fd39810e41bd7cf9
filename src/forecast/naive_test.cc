// NaiveForecaster ("naive", "recent-max", "seasonal-naive", "percentile"): the point
// forecasts of each kind at several horizons, missing values and the fallback on the
// last value seen, readiness, the upper bound from the model's own residuals, and
// Save/Load.
#include "forecast/naive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "forecast/residual_spread.h"
#include "forecast/state_test_util.h"
#include "prescale/state_codec.h"

namespace prescale {
namespace {

using ::testing::HasSubstr;
using Kind = NaiveForecaster::Kind;

constexpr std::optional<double> kNone = std::nullopt;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

NaiveForecaster Make(Kind kind, int window = 1, double level = 0.99, double spread_halflife = 100) {
  NaiveForecaster::Options o;
  o.kind = kind;
  o.window = window;
  o.level = level;
  o.spread_halflife = spread_halflife;
  return NaiveForecaster(o);
}

void Feed(Forecaster& f, const std::vector<std::optional<double>>& values) {
  for (const std::optional<double>& v : values) f.Observe(v);
}

std::vector<double> Points(const Forecaster& f, int horizon) {
  ForecastResult r;
  f.Forecast(horizon, 0.9, r);
  return r.point;
}

// ---------------------------------------------------------------- point forecasts

struct PointCase {
  std::string test_name;
  Kind kind;
  int window;
  double level;
  std::vector<std::optional<double>> series;
  std::vector<double> expected;  // h = 1..size
};

void PrintTo(const PointCase& c, std::ostream* os) { *os << c.test_name; }

class NaivePointTest : public testing::TestWithParam<PointCase> {};

TEST_P(NaivePointTest, ForecastsEachHorizon) {
  const PointCase& c = GetParam();
  NaiveForecaster f = Make(c.kind, c.window, c.level);
  Feed(f, c.series);
  EXPECT_EQ(Points(f, static_cast<int>(c.expected.size())), c.expected);
}

// A season of 4 steps: 10 20 30 40, then 11 21 31 41.
const std::vector<std::optional<double>> kTwoSeasons = {10, 20, 30, 40, 11, 21, 31, 41};

INSTANTIATE_TEST_SUITE_P(
    Kinds, NaivePointTest,
    testing::Values(
        PointCase{"NaiveRepeatsTheLastValue", Kind::kLast, 1, 0, {1, 2, 3}, {3, 3, 3, 3}},
        PointCase{"NaiveSkipsAMissingValue", Kind::kLast, 1, 0, {1, 5, kNone}, {5, 5}},
        PointCase{
            "NaiveTakesNaNAndInfAsMissing", Kind::kLast, 1, 0, {5, kNaN, kInf, -kInf}, {5, 5}},
        PointCase{"NaiveOneValue", Kind::kLast, 1, 0, {7}, {7, 7}},
        PointCase{"RecentMaxOfTheWindow", Kind::kRecentMax, 3, 0, {1, 9, 2, 3}, {9, 9, 9}},
        PointCase{"RecentMaxForgetsOlderPeaks", Kind::kRecentMax, 3, 0, {9, 1, 2, 3}, {3, 3}},
        PointCase{"RecentMaxSkipsMissing", Kind::kRecentMax, 3, 0, {4, 8, kNone}, {8, 8}},
        PointCase{"RecentMaxOfNegatives", Kind::kRecentMax, 2, 0, {-5, -3, -4}, {-3}},
        PointCase{"RecentMaxEmptyWindowFallsBack",
                  Kind::kRecentMax,
                  3,
                  0,
                  {7, kNone, kNone, kNone},
                  {7, 7}},
        PointCase{"RecentMaxWindowOfOne", Kind::kRecentMax, 1, 0, {9, 2}, {2}},
        // The newest value is 41 at t = 7: step h is y[7 + h - 4k], k the smallest
        // that reaches the past. h <= m reaches one season back, h > m two or three.
        PointCase{"SeasonalWithinOneSeason", Kind::kSeasonal, 4, 0, kTwoSeasons, {11, 21, 31, 41}},
        PointCase{"SeasonalBeyondOneSeason",
                  Kind::kSeasonal,
                  4,
                  0,
                  kTwoSeasons,
                  {11, 21, 31, 41, 11, 21, 31, 41, 11}},
        PointCase{
            "SeasonalNotAFullSeasonYet", Kind::kSeasonal, 4, 0, {10, 20, 30}, {30, 30, 30, 30, 30}},
        PointCase{"SeasonalJustAFullSeason",
                  Kind::kSeasonal,
                  4,
                  0,
                  {10, 20, 30, 40},
                  {10, 20, 30, 40, 10}},
        PointCase{"SeasonalMissingSlotFallsBack",
                  Kind::kSeasonal,
                  4,
                  0,
                  {10, 20, 30, 40, 11, kNone, 31, 41},
                  {11, 41, 31, 41, 11, 41}},
        PointCase{"SeasonalNewestMissing",
                  Kind::kSeasonal,
                  4,
                  0,
                  {10, 20, 30, 40, 11, 21, 31, kNone},
                  {11, 21, 31, 31, 11}},
        PointCase{"SeasonalOfTwo", Kind::kSeasonal, 2, 0, {1, 2, 3, 4, 5}, {4, 5, 4}},
        // Sorted 1 2 3 4 5: the nearest rank ceil(level n).
        PointCase{"PercentileMedian", Kind::kPercentile, 5, 0.5, {5, 1, 4, 2, 3}, {3, 3, 3}},
        PointCase{"PercentileTop", Kind::kPercentile, 5, 0.99, {5, 1, 4, 2, 3}, {5}},
        PointCase{"PercentileLevelOne", Kind::kPercentile, 5, 1, {5, 1, 4, 2, 3}, {5}},
        PointCase{"PercentileLevelZero", Kind::kPercentile, 5, 0, {5, 1, 4, 2, 3}, {1}},
        PointCase{"PercentileExactRank", Kind::kPercentile, 5, 0.4, {5, 1, 4, 2, 3}, {2}},
        PointCase{"PercentileForgetsOldValues", Kind::kPercentile, 3, 1, {9, 1, 2, 3}, {3}},
        PointCase{"PercentileSkipsMissing", Kind::kPercentile, 4, 0.5, {1, kNone, 3, 100}, {3}},
        PointCase{
            "PercentileEmptyWindowFallsBack", Kind::kPercentile, 2, 0.5, {5, kNone, kNone}, {5}},
        PointCase{"PercentileWithTies", Kind::kPercentile, 4, 0.5, {2, 2, 2, 1, 2, 1}, {1, 1}}),
    [](const testing::TestParamInfo<PointCase>& case_info) { return case_info.param.test_name; });

TEST(NaiveForecasterTest, NamesAndModel) {
  const std::pair<Kind, std::string> cases[] = {{Kind::kLast, "naive"},
                                                {Kind::kRecentMax, "recent-max"},
                                                {Kind::kSeasonal, "seasonal-naive"},
                                                {Kind::kPercentile, "percentile"}};
  for (const auto& [kind, name] : cases) {
    NaiveForecaster f = Make(kind, 2);
    EXPECT_EQ(f.name(), name);
    ForecastResult r;
    f.Forecast(2, 0.9, r);
    EXPECT_EQ(r.model, name);
    EXPECT_TRUE(r.members.empty());
  }
}

TEST(NaiveForecasterTest, ReadyAfterTwoValuesSeen) {
  for (Kind kind : {Kind::kLast, Kind::kRecentMax, Kind::kSeasonal, Kind::kPercentile}) {
    SCOPED_TRACE(static_cast<int>(kind));
    NaiveForecaster f = Make(kind, 3);
    ForecastResult r;
    f.Forecast(3, 0.9, r);
    EXPECT_FALSE(r.ready);
    EXPECT_EQ(r.point, std::vector<double>(3, 0.0));
    EXPECT_EQ(r.upper, std::vector<double>(3, 0.0));

    Feed(f, {kNone, kNaN, 42, kNone});  // one value seen
    f.Forecast(3, 0.9, r);
    EXPECT_FALSE(r.ready);
    EXPECT_EQ(r.point, std::vector<double>(3, 42.0));
    EXPECT_EQ(r.upper, r.point);  // no residual yet
    EXPECT_EQ(f.observed(), 1);

    f.Observe(42);
    f.Forecast(3, 0.9, r);
    EXPECT_TRUE(r.ready);
    EXPECT_EQ(f.observed(), 2);
  }
}

// ---------------------------------------------------------------- the upper bound

struct SpreadCase {
  std::string test_name;
  Kind kind;
  int window;
  std::vector<std::optional<double>> series;
  std::vector<double> residuals;  // actual - the one-step forecast before it
};

void PrintTo(const SpreadCase& c, std::ostream* os) { *os << c.test_name; }

class NaiveSpreadTest : public testing::TestWithParam<SpreadCase> {};

TEST_P(NaiveSpreadTest, UpperComesFromTheOneStepResiduals) {
  const SpreadCase& c = GetParam();
  // A half-life far longer than the series: the spread is the plain mean |residual|.
  NaiveForecaster f = Make(c.kind, c.window, 0.5, /*spread_halflife=*/1e12);
  Feed(f, c.series);
  double mean_abs = 0;
  for (double e : c.residuals) mean_abs += std::abs(e) / static_cast<double>(c.residuals.size());
  EXPECT_EQ(f.spread().count(), static_cast<std::int64_t>(c.residuals.size()));
  EXPECT_NEAR(f.spread().MeanAbs(), mean_abs, 1e-9);

  ForecastResult r;
  f.Forecast(4, 0.95, r);
  EXPECT_EQ(r.quantile, 0.95);
  const double sigma = ResidualSpread::kMeanAbsToSigma * mean_abs;
  for (int h = 1; h <= 4; ++h) {
    EXPECT_NEAR(r.upper[h - 1], r.point[h - 1] + NormalQuantile(0.95) * sigma * std::sqrt(h), 1e-9)
        << "h=" << h;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, NaiveSpreadTest,
    testing::Values(SpreadCase{"Naive", Kind::kLast, 1, {10, 13, 11}, {3, -2}},
                    // A missing value records no residual; the next is against the last seen.
                    SpreadCase{"NaiveAcrossAGap", Kind::kLast, 1, {10, kNone, 16}, {6}},
                    SpreadCase{"RecentMax", Kind::kRecentMax, 2, {10, 4, 6, 12}, {-6, -4, 6}},
                    // Until a season has passed the forecast is the last value.
                    SpreadCase{"Seasonal", Kind::kSeasonal, 2, {10, 20, 13, 25}, {10, 3, 5}},
                    SpreadCase{"Percentile", Kind::kPercentile, 3, {10, 20, 0}, {10, -10}}),
    [](const testing::TestParamInfo<SpreadCase>& case_info) { return case_info.param.test_name; });

// ---------------------------------------------------------------- percentile window

// The nearest-rank quantile (Hyndman & Fan definition 1) of `values` by brute force,
// with the level as an exact fraction num / den.
double BruteQuantile(std::vector<double> values, std::int64_t num, std::int64_t den) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<std::int64_t>(values.size());
  const std::int64_t k = (num * n + den - 1) / den;  // ceil(num n / den)
  return values[static_cast<std::size_t>(std::max<std::int64_t>(k, 1) - 1)];
}

struct LevelCase {
  std::int64_t num, den;
};

TEST(NaivePercentileTest, SortedWindowMatchesBruteForce) {
  // Random values with many ties and missing values: the forecast at every step is
  // the quantile of what is in the window, as values leave it.
  const LevelCase levels[] = {{0, 1}, {1, 2}, {9, 10}, {99, 100}, {1, 1}, {55, 100}, {7, 100}};
  const int windows[] = {1, 2, 7, 50};
  for (const LevelCase& level : levels) {
    for (int window : windows) {
      SCOPED_TRACE("level " + std::to_string(level.num) + "/" + std::to_string(level.den) +
                   ", window " + std::to_string(window));
      NaiveForecaster f = Make(Kind::kPercentile, window,
                               static_cast<double>(level.num) / static_cast<double>(level.den));
      std::mt19937 rng(1234 + window);
      std::uniform_int_distribution<int> value(0, 20);
      std::bernoulli_distribution missing(0.15);
      std::vector<double> history;  // NaN = missing
      double last = 0;
      ForecastResult r;
      for (int t = 0; t < 600; ++t) {
        const bool gap = missing(rng);
        const double v = value(rng) + (t % 3) * 0.25;
        f.Observe(gap ? kNone : std::optional<double>(v));
        history.push_back(gap ? kNaN : v);
        if (!gap) last = v;
        std::vector<double> in_window;
        for (std::size_t i = history.size() - std::min<std::size_t>(window, history.size());
             i < history.size(); ++i) {
          if (!std::isnan(history[i])) in_window.push_back(history[i]);
        }
        if (f.observed() == 0) continue;
        const double expected =
            in_window.empty() ? last : BruteQuantile(in_window, level.num, level.den);
        f.Forecast(2, 0.9, r);
        ASSERT_EQ(r.point[0], expected) << "t=" << t;
        ASSERT_EQ(r.point[1], expected) << "t=" << t;
      }
    }
  }
}

TEST(NaivePercentileTest, RankIsExactForDecimalLevels) {
  // 0.55 * 100 is 55.000000000000007 in doubles: the 55th value, not the 56th.
  NaiveForecaster f = Make(Kind::kPercentile, 100, 0.55);
  for (int i = 100; i >= 1; --i) f.Observe(i);
  EXPECT_EQ(Points(f, 1), std::vector<double>({55}));
  NaiveForecaster g = Make(Kind::kPercentile, 100, 0.07);
  for (int i = 1; i <= 100; ++i) g.Observe(i);
  EXPECT_EQ(Points(g, 1), std::vector<double>({7}));
}

// ---------------------------------------------------------------- Save and Load

struct KindCase {
  std::string test_name;
  Kind kind;
  int window;
  double level = 0.99;
};

void PrintTo(const KindCase& c, std::ostream* os) { *os << c.test_name; }

const KindCase kKinds[] = {
    {"Naive", Kind::kLast, 1},
    {"RecentMax", Kind::kRecentMax, 3},
    {"Seasonal", Kind::kSeasonal, 24},
    {"Percentile", Kind::kPercentile, 50, 0.9},
};

// A daily wave of 24 steps with noise, spikes, missing values and NaN.
std::optional<double> SeriesAt(int t, std::mt19937& rng) {
  if (t % 11 == 10) return kNone;
  if (t % 37 == 5) return kNaN;
  double y = 100 + 40 * std::sin(2 * 3.14159265358979 * t / 24) +
             std::uniform_real_distribution<double>(-5, 5)(rng);
  if (t % 53 == 7) y *= 3;
  return y;
}

void ExpectSameForecasts(const Forecaster& a, const Forecaster& b) {
  ForecastResult fa, fb;
  a.Forecast(30, 0.9, fa);
  b.Forecast(30, 0.9, fb);
  EXPECT_EQ(fa.ready, fb.ready);
  EXPECT_EQ(fa.point, fb.point);
  EXPECT_EQ(fa.upper, fb.upper);
  EXPECT_EQ(fa.model, fb.model);
}

class NaiveStateTest : public testing::TestWithParam<KindCase> {
 protected:
  NaiveForecaster Fresh() const {
    return Make(GetParam().kind, GetParam().window, GetParam().level);
  }
  NaiveForecaster Trained(int n, unsigned seed) const {
    NaiveForecaster f = Fresh();
    std::mt19937 rng(seed);
    for (int t = 0; t < n; ++t) f.Observe(SeriesAt(t, rng));
    return f;
  }
};

TEST_P(NaiveStateTest, RoundTripForecastsTheSame) {
  for (int n : {0, 1, 2, 3, 23, 24, 25, 60, 200}) {
    SCOPED_TRACE("after " + std::to_string(n) + " values");
    NaiveForecaster original = Trained(n, 7);
    const std::string text = SaveText(original);
    NaiveForecaster restored = Trained(13, 8);  // a used model: Load replaces it all
    const Status s = LoadText(restored, text);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(SaveText(restored), text);
    EXPECT_EQ(restored.observed(), original.observed());
    ExpectSameForecasts(original, restored);
    // And on, as values enter and leave the window.
    std::mt19937 rng(9);
    for (int t = 0; t < 120; ++t) {
      const std::optional<double> v = SeriesAt(t + 3, rng);
      original.Observe(v);
      restored.Observe(v);
      ExpectSameForecasts(original, restored);
      if (HasFailure()) return;
    }
  }
}

TEST_P(NaiveStateTest, BadRecordsFailAndLeaveTheModel) {
  NaiveForecaster f = Trained(100, 7);
  const std::string good = SaveText(f);
  const std::vector<std::string> tokens = Tokens(good);
  const std::string name(f.name());
  auto expect_refused = [&](const std::string& text, const std::string& what) {
    const Status s = LoadText(f, text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_THAT(s.message(), HasSubstr(what));
    EXPECT_EQ(s.message().rfind(name + ": ", 0), 0u) << s.message();
    EXPECT_EQ(SaveText(f), good);
  };

  expect_refused("", "record ends early");
  for (std::size_t k = 1; k < tokens.size(); ++k) {
    SCOPED_TRACE("cut after " + std::to_string(k));
    expect_refused(Join(std::vector<std::string>(tokens.begin(), tokens.begin() + k)),
                   "record ends early");
  }
  expect_refused(good + " 1", "unexpected data at the end");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    SCOPED_TRACE("garbled number " + std::to_string(i));
    std::vector<std::string> bad = tokens;
    bad[i] = "1x";
    expect_refused(Join(bad), "'1x' is not a");
  }

  // Layout: version, kind, window, ring size, the ring, count, last, spread (3).
  const std::size_t ring = std::stoul(tokens[3]);
  ASSERT_EQ(tokens.size(), 4 + ring + 2 + 3);
  auto with = [&](std::size_t i, const std::string& v) {
    std::vector<std::string> bad = tokens;
    bad[i] = v;
    return Join(bad);
  };
  expect_refused(with(0, "2"), "saved state has format version 2, this build reads version 1");
  expect_refused(with(3, std::to_string(GetParam().window + 1)), "does not fit a window of");
  expect_refused(with(3, "-1"), "saved window of -1 values does not fit");
  expect_refused(with(4, "inf"), "a saved value is infinite");
  expect_refused(with(4 + ring, "-1"), "count of values out of range");
  expect_refused(with(4 + ring + 1, "nan"), "last value is not finite");
  expect_refused(with(4 + ring + 1, "inf"), "last value is not finite");
  expect_refused(with(4 + ring + 2, "-1"), "residual spread out of range");

  // The model still forecasts as the record it holds says.
  NaiveForecaster twin = Fresh();
  ASSERT_TRUE(LoadText(twin, good).ok());
  ExpectSameForecasts(f, twin);
}

INSTANTIATE_TEST_SUITE_P(Kinds, NaiveStateTest, testing::ValuesIn(kKinds),
                         [](const testing::TestParamInfo<KindCase>& case_info) {
                           return case_info.param.test_name;
                         });

struct MismatchCase {
  std::string test_name;
  KindCase saved;
  KindCase loading;
  std::string message;  // the whole error
};

void PrintTo(const MismatchCase& c, std::ostream* os) { *os << c.test_name; }

class NaiveStateMismatchTest : public testing::TestWithParam<MismatchCase> {};

TEST_P(NaiveStateMismatchTest, FailsAndKeepsTheModel) {
  const MismatchCase& c = GetParam();
  NaiveForecaster saved = Make(c.saved.kind, c.saved.window);
  NaiveForecaster loading = Make(c.loading.kind, c.loading.window);
  for (int t = 0; t < 40; ++t) saved.Observe(t % 7);
  for (int t = 0; t < 30; ++t) loading.Observe(t % 5);
  const std::string before = SaveText(loading);
  const Status s = LoadText(loading, SaveText(saved));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), c.message);
  EXPECT_EQ(SaveText(loading), before);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NaiveStateMismatchTest,
    testing::Values(MismatchCase{"OtherKindSameWindow",
                                 {"", Kind::kRecentMax, 3},
                                 {"", Kind::kPercentile, 3},
                                 "percentile: saved state is for another kind of naive forecast"},
                    MismatchCase{"SeasonalIntoNaive",
                                 {"", Kind::kSeasonal, 2},
                                 {"", Kind::kLast, 1},
                                 "naive: saved state is for another kind of naive forecast"},
                    MismatchCase{
                        "OtherWindow",
                        {"", Kind::kRecentMax, 3},
                        {"", Kind::kRecentMax, 5},
                        "recent-max: saved state is for a window of 3 steps, this forecaster "
                        "has 5"},
                    MismatchCase{"OtherSeason",
                                 {"", Kind::kSeasonal, 24},
                                 {"", Kind::kSeasonal, 168},
                                 "seasonal-naive: saved state is for a window of 24 steps, this "
                                 "forecaster has 168"}),
    [](const testing::TestParamInfo<MismatchCase>& case_info) {
      return case_info.param.test_name;
    });

TEST(NaiveStateTest, MissingValuesSurviveTheRoundTrip) {
  // A NaN in the ring is a missing slot: after the restore the seasonal forecast still
  // falls back on the last value there.
  NaiveForecaster f = Make(Kind::kSeasonal, 4);
  Feed(f, {10, 20, 30, 40, 11, kNone, 31, 41});
  NaiveForecaster g = Make(Kind::kSeasonal, 4);
  ASSERT_TRUE(LoadText(g, SaveText(f)).ok());
  EXPECT_EQ(Points(g, 4), std::vector<double>({11, 41, 31, 41}));
}

}  // namespace
}  // namespace prescale
