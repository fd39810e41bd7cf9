// EwCorrelation and SeasonDetector: the weighted correlation against a brute-force
// one, which series are daily, weekly or neither (and from when), missing values,
// lags of 0, and Save/Load.
#include "forecast/season_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "forecast/state_test_util.h"
#include "prescale/state_codec.h"

namespace prescale {
namespace {

using ::testing::HasSubstr;

constexpr double kPi = 3.14159265358979323846;
constexpr int kDay = 24;  // hourly steps
constexpr int kWeek = 7 * kDay;

TEST(SeasonalityNameTest, Names) {
  EXPECT_EQ(SeasonalityName(Seasonality::kNone), "none");
  EXPECT_EQ(SeasonalityName(Seasonality::kDaily), "daily");
  EXPECT_EQ(SeasonalityName(Seasonality::kWeekly), "weekly");
}

// ---------------------------------------------------------------- EwCorrelation

// The correlation of (x, y) with weight keep^age on each pair, by brute force.
double BruteWeightedCorrelation(const std::vector<double>& x, const std::vector<double>& y,
                                double halflife) {
  const double keep = std::exp2(-1.0 / halflife);
  const std::size_t n = x.size();
  std::vector<double> w(n);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i)
    total += w[i] = std::pow(keep, static_cast<double>(n - 1 - i));
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += w[i] * x[i] / total;
    my += w[i] * y[i] / total;
  }
  double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += w[i] * (x[i] - mx) * (x[i] - mx);
    syy += w[i] * (y[i] - my) * (y[i] - my);
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(EwCorrelationTest, MatchesTheWeightedCorrelationFromTheFirstPair) {
  // From the first pairs on the weights are exact, so an odd first pair weighs no more
  // than any other (a fixed gain of 1 - keep would leave it most of the weight).
  for (double halflife : {3.0, 72.0, 1e12}) {
    SCOPED_TRACE("halflife " + std::to_string(halflife));
    EwCorrelation c(halflife);
    std::mt19937 rng(17);
    std::normal_distribution<double> noise(0, 1);
    std::vector<double> x, y;
    for (int i = 0; i < 300; ++i) {
      const double a = i == 0 ? 25.0 : noise(rng);  // an outlier first
      const double b = 0.6 * a + 0.8 * noise(rng) + (i == 0 ? 25.0 : 0.0);
      c.Add(a, b);
      x.push_back(a);
      y.push_back(b);
      EXPECT_EQ(c.count(), i + 1);
      if (i >= 2) {
        ASSERT_NEAR(c.Value(), BruteWeightedCorrelation(x, y, halflife), 1e-9) << "pair " << i;
      }
    }
  }
}

TEST(EwCorrelationTest, PerfectAndDegenerateCases) {
  EwCorrelation none(10);
  EXPECT_EQ(none.Value(), 0.0);
  EwCorrelation one(10);
  one.Add(1, 2);
  EXPECT_EQ(one.Value(), 0.0);  // one pair: no spread
  EwCorrelation same(10);
  for (int i = 0; i < 5; ++i) same.Add(3, 4);
  EXPECT_EQ(same.Value(), 0.0);  // identical pairs
  EwCorrelation flat_y(10);
  for (int i = 0; i < 5; ++i) flat_y.Add(i, 4);
  EXPECT_EQ(flat_y.Value(), 0.0);
  EwCorrelation up(10), down(10);
  for (int i = 0; i < 50; ++i) {
    up.Add(i, 3.0 * i + 1);
    down.Add(i, -0.5 * i);
  }
  EXPECT_NEAR(up.Value(), 1.0, 1e-12);
  EXPECT_NEAR(down.Value(), -1.0, 1e-12);
  EXPECT_LE(up.Value(), 1.0);
  EXPECT_GE(down.Value(), -1.0);
}

TEST(EwCorrelationTest, SaveLoadRoundTrip) {
  EwCorrelation a(20);
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  for (int i = 0; i < 40; ++i) a.Add(noise(rng), noise(rng));
  StateWriter w;
  a.Save(w);
  EwCorrelation b(20);
  StateReader r(w.text());
  b.Load(r);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(b.Value(), a.Value());
  EXPECT_EQ(b.count(), a.count());
  for (int i = 0; i < 10; ++i) {
    const double x = noise(rng), y = noise(rng);
    a.Add(x, y);
    b.Add(x, y);
  }
  EXPECT_EQ(b.Value(), a.Value());
}

TEST(EwCorrelationTest, LoadRefusesMomentsOutOfRange) {
  // Layout: mean x, mean y, var x, var y, cov, count.
  for (const char* bad : {"0 0 -1 1 0 5", "0 0 1 -1 0 5", "nan 0 1 1 0 5", "0 0 1 1 inf 5",
                          "0 0 1 1 0 -1", "0 0 1 1 0 9223372036854775807"}) {
    SCOPED_TRACE(bad);
    EwCorrelation c(10);
    c.Add(1, 1);
    c.Add(2, 3);
    const double before = c.Value();
    StateReader r(bad);
    c.Load(r);
    const Status s = r.Finish();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "saved state: correlation moments out of range");
    EXPECT_EQ(c.Value(), before);
    EXPECT_EQ(c.count(), 2);
  }
  EwCorrelation c(10);
  StateReader r("0 0 1");
  c.Load(r);
  EXPECT_EQ(r.Finish().message(), "saved state: record ends early");
}

// ---------------------------------------------------------------- SeasonDetector

using Series = std::function<std::optional<double>(int t, std::mt19937& rng)>;

// What the detector says after each of `steps` values (index = values seen - 1).
std::vector<Seasonality> Detect(SeasonDetector& d, const Series& series, int steps,
                                unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::vector<Seasonality> seen;
  for (int t = 0; t < steps; ++t) {
    d.Observe(series(t, rng));
    seen.push_back(d.season());
  }
  return seen;
}

double Noise(std::mt19937& rng, double sd) { return std::normal_distribution<double>(0, sd)(rng); }

std::optional<double> DailyWave(int t, std::mt19937& rng) {
  return 100 + 20 * std::sin(2 * kPi * t / kDay) + Noise(rng, 3);
}

// A daily wave, and the weekend (days 5 and 6) at less than half the load.
std::optional<double> Weekend(int t, std::mt19937& rng) {
  const bool weekend = (t / kDay) % 7 >= 5;
  return (weekend ? 40 : 100) + 10 * std::sin(2 * kPi * t / kDay) + Noise(rng, 3);
}

TEST(SeasonDetectorTest, DailyWaveIsDailyAfterTwoDays) {
  SeasonDetector d(kDay, kWeek);
  const std::vector<Seasonality> seen = Detect(d, DailyWave, 6 * kWeek);
  // Half a day of deviations paired with those a day before: deviations start once
  // half a day is known (12 values), pairs a day later, and half a day of pairs makes
  // it speak, at the 47th value.
  for (int t = 0; t < 2 * kDay - 2; ++t) ASSERT_EQ(seen[t], Seasonality::kNone) << t;
  for (int t = 2 * kDay - 2; t < 6 * kWeek; ++t) {
    ASSERT_EQ(seen[t], Seasonality::kDaily) << t;  // the weekly lag matches no better
  }
  EXPECT_GT(d.daily_correlation(), 0.9);
  EXPECT_NEAR(d.weekly_correlation(), d.daily_correlation(), SeasonDetector::kWeeklyMargin);
}

TEST(SeasonDetectorTest, DailyAtFiveMinuteSteps) {
  constexpr int kDay5 = 288;
  SeasonDetector d(kDay5, 7 * kDay5);
  auto wave = [](int t, std::mt19937& rng) -> std::optional<double> {
    return 100 + 20 * std::sin(2 * kPi * t / kDay5) + Noise(rng, 5);
  };
  const std::vector<Seasonality> seen = Detect(d, wave, 3 * kDay5);
  EXPECT_EQ(seen[2 * kDay5 - 3], Seasonality::kNone);
  EXPECT_EQ(seen[2 * kDay5 - 2], Seasonality::kDaily);
  EXPECT_EQ(seen.back(), Seasonality::kDaily);
}

TEST(SeasonDetectorTest, WeekendMakesItWeeklyAfterTwoWeeks) {
  SeasonDetector d(kDay, kWeek);
  const std::vector<Seasonality> seen = Detect(d, Weekend, 6 * kWeek);
  // As for a day: the week speaks at the 335th value.
  for (int t = 0; t < 2 * kWeek - 2; ++t) ASSERT_NE(seen[t], Seasonality::kWeekly) << t;
  EXPECT_EQ(seen[2 * kWeek - 2], Seasonality::kWeekly);
  for (int t = 2 * kWeek - 2; t < 6 * kWeek; ++t) ASSERT_EQ(seen[t], Seasonality::kWeekly) << t;
  EXPECT_GT(d.weekly_correlation(), 0.9);
  EXPECT_GT(d.weekly_correlation(), d.daily_correlation() + SeasonDetector::kWeeklyMargin);
}

TEST(SeasonDetectorTest, WhiteNoiseHasNoSeason) {
  // Over many seeds: white noise never shows a season once the correlations have a
  // few days of pairs. (With the first pair holding most of the weight, a third of
  // these seeds read as seasonal for weeks.)
  for (unsigned seed = 0; seed < 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    constexpr int kDay5 = 288;  // 5-minute steps
    SeasonDetector fine(kDay5, 7 * kDay5);
    auto noise = [](int, std::mt19937& rng) -> std::optional<double> {
      return 100 + Noise(rng, 1);
    };
    const std::vector<Seasonality> seen = Detect(fine, noise, 3 * 7 * kDay5, seed);
    for (int t = 2 * kDay5 - 1; t < 3 * 7 * kDay5; ++t) {
      ASSERT_EQ(seen[t], Seasonality::kNone) << "5-minute steps, t=" << t;
    }
    SeasonDetector hourly(kDay, kWeek);
    const std::vector<Seasonality> seen_hourly = Detect(hourly, noise, 4 * kWeek, seed);
    for (int t = 5 * kDay; t < 4 * kWeek; ++t) {
      ASSERT_EQ(seen_hourly[t], Seasonality::kNone) << "hourly steps, t=" << t;
    }
  }
}

// A random walk correlates with itself a day earlier, but more still half a day
// earlier: a drift, not a season.
TEST(SeasonDetectorTest, RandomWalkHasNoSeason) {
  // Over 20 seeds, from day 5 on: the share of steps read as seasonal. A random walk's
  // deviations over two disjoint days are independent, but a few seasons of them
  // estimate a correlation loosely, so a rare run reads as seasonal for a while;
  // correlating the raw values instead reads most of these walks as daily.
  int seasonal = 0, steps = 0;
  for (unsigned seed = 0; seed < 20; ++seed) {
    SeasonDetector d(kDay, kWeek);
    double y = 0;
    auto walk = [&y](int, std::mt19937& rng) -> std::optional<double> {
      y += Noise(rng, 1);
      return y;
    };
    const std::vector<Seasonality> seen = Detect(d, walk, 6 * kWeek, seed);
    for (int t = 5 * kDay; t < 6 * kWeek; ++t, ++steps) seasonal += seen[t] != Seasonality::kNone;
  }
  std::printf("random walks read as seasonal: %.1f %% of steps\n", 100.0 * seasonal / steps);
  EXPECT_LT(seasonal, steps / 5);
}

// A daily wave riding on a slow trend is still daily.
TEST(SeasonDetectorTest, DailyWaveOnATrendIsDaily) {
  SeasonDetector d(kDay, kWeek);
  auto wave = [](int t, std::mt19937& rng) -> std::optional<double> {
    return 100 + 0.05 * t + 20 * std::sin(2 * kPi * t / kDay) + Noise(rng, 3);
  };
  const std::vector<Seasonality> seen = Detect(d, wave, 3 * kWeek);
  EXPECT_EQ(seen.back(), Seasonality::kDaily);

}

TEST(SeasonDetectorTest, ConstantSeriesHasNoSeason) {
  SeasonDetector d(kDay, kWeek);
  const std::vector<Seasonality> seen = Detect(
      d, [](int, std::mt19937&) -> std::optional<double> { return 5.0; }, 3 * kWeek);
  EXPECT_EQ(seen.back(), Seasonality::kNone);
  EXPECT_EQ(d.daily_correlation(), 0.0);
}

TEST(SeasonDetectorTest, MissingValuesBreakOnlyTheirPairs) {
  // A quarter of the values missing (NaN and inf too): the daily wave is still found,
  // and as well as without gaps, since a gap does not shift the phase.
  SeasonDetector gappy(kDay, kWeek);
  auto wave_with_gaps = [](int t, std::mt19937& rng) -> std::optional<double> {
    const std::optional<double> v = DailyWave(t, rng);
    if (t % 4 == 1) return std::nullopt;
    if (t % 17 == 3) return std::numeric_limits<double>::quiet_NaN();
    if (t % 23 == 5) return std::numeric_limits<double>::infinity();
    return v;
  };
  const std::vector<Seasonality> seen = Detect(gappy, wave_with_gaps, 4 * kWeek);
  EXPECT_EQ(seen.back(), Seasonality::kDaily);
  SeasonDetector clean(kDay, kWeek);
  Detect(clean, DailyWave, 4 * kWeek);
  EXPECT_NEAR(gappy.daily_correlation(), clean.daily_correlation(), 0.02);
}

TEST(SeasonDetectorTest, NoPairsNoSeason) {
  // Values only on even days: no two are a day apart or a week apart.
  SeasonDetector d(kDay, kWeek);
  auto even_days = [](int t, std::mt19937& rng) -> std::optional<double> {
    if ((t / kDay) % 2 == 1) return std::nullopt;
    return DailyWave(t, rng);
  };
  const std::vector<Seasonality> seen = Detect(d, even_days, 6 * kWeek);
  EXPECT_EQ(seen.back(), Seasonality::kNone);
  EXPECT_EQ(d.daily_correlation(), 0.0);
  EXPECT_EQ(d.weekly_correlation(), 0.0);

  SeasonDetector all_missing(kDay, kWeek);
  for (int t = 0; t < 3 * kWeek; ++t) all_missing.Observe(std::nullopt);
  EXPECT_EQ(all_missing.season(), Seasonality::kNone);
}

TEST(SeasonDetectorTest, LagsOfZero) {
  // No lag: never a season, whatever the series.
  SeasonDetector neither(0, 0);
  EXPECT_EQ(Detect(neither, Weekend, 3 * kWeek).back(), Seasonality::kNone);
  EXPECT_EQ(neither.daily_correlation(), 0.0);
  EXPECT_EQ(neither.weekly_correlation(), 0.0);

  // Daily only: a daily wave is daily, and a weekend cannot make it weekly.
  SeasonDetector daily_only(kDay, 0);
  EXPECT_EQ(Detect(daily_only, DailyWave, 3 * kDay).back(), Seasonality::kDaily);
  SeasonDetector daily_only2(kDay, 0);
  EXPECT_NE(Detect(daily_only2, Weekend, 4 * kWeek).back(), Seasonality::kWeekly);

  // Weekly only (daily steps: a week of 7): weekly needs no margin over a daily lag.
  SeasonDetector weekly_only(0, 7);
  auto weekdays = [](int t, std::mt19937& rng) -> std::optional<double> {
    return (t % 7 >= 5 ? 40 : 100) + Noise(rng, 3);
  };
  const std::vector<Seasonality> seen = Detect(weekly_only, weekdays, 10 * 7);
  EXPECT_EQ(seen[2 * 7 - 2], Seasonality::kNone);
  EXPECT_EQ(seen[2 * 7 - 1], Seasonality::kWeekly);
  EXPECT_EQ(seen.back(), Seasonality::kWeekly);
}

// ---------------------------------------------------------------- Save and Load

TEST(SeasonDetectorStateTest, RoundTripContinuesTheSame) {
  for (int n : {0, 1, 23, 24, 25, 100, 167, 168, 169, 400}) {
    SCOPED_TRACE("after " + std::to_string(n) + " values");
    SeasonDetector a(kDay, kWeek);
    std::mt19937 rng(4);
    auto gappy_weekend = [](int t, std::mt19937& r) -> std::optional<double> {
      if (t % 9 == 4) return std::nullopt;
      return Weekend(t, r);
    };
    for (int t = 0; t < n; ++t) a.Observe(gappy_weekend(t, rng));
    const std::string text = SaveText(a);
    SeasonDetector b(kDay, kWeek);
    for (int t = 0; t < 30; ++t) b.Observe(t);  // Load replaces what it held
    StateReader r(text);
    b.Load(r);
    ASSERT_TRUE(r.Finish().ok()) << r.Finish().message();
    EXPECT_EQ(SaveText(b), text);
    for (int t = n; t < n + 2 * kWeek; ++t) {
      const std::optional<double> v = gappy_weekend(t, rng);
      a.Observe(v);
      b.Observe(v);
      ASSERT_EQ(b.season(), a.season()) << t;
      ASSERT_EQ(b.daily_correlation(), a.daily_correlation()) << t;
      ASSERT_EQ(b.weekly_correlation(), a.weekly_correlation()) << t;
    }
  }
}

TEST(SeasonDetectorStateTest, BadRecordsFail) {
  SeasonDetector good(kDay, kWeek);
  Detect(good, Weekend, 200);
  const std::string text = SaveText(good);
  const std::vector<std::string> tokens = Tokens(text);
  // Layout: daily lag, weekly lag, history size, the history, then two correlations.
  ASSERT_EQ(Join(tokens, 3), "24 168 168");

  auto load = [](const std::string& record) {
    SeasonDetector d(kDay, kWeek);
    StateReader r(record);
    d.Load(r);
    return r.Finish();
  };
  auto with = [&](std::size_t i, const std::string& v) {
    std::vector<std::string> t = tokens;
    t[i] = v;
    return Join(t, t.size());
  };
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Status s = load(Join(tokens, k));
    ASSERT_FALSE(s.ok()) << "cut after " << k;
    EXPECT_EQ(s.message(), "saved state: record ends early") << "cut after " << k;
  }
  EXPECT_EQ(load(text + " 1").message(), "saved state: unexpected data at the end");
  EXPECT_EQ(load(with(0, "288")).message(),
            "saved state: season detector saved for lags 288 and 168, this one has 24 and 168");
  EXPECT_EQ(load(with(1, "0")).message(),
            "saved state: season detector saved for lags 24 and 0, this one has 24 and 168");
  EXPECT_EQ(load(with(2, "169")).message(),
            "saved state: season detector history of 169 values does not fit");
  EXPECT_EQ(load(with(2, "-1")).message(),
            "saved state: season detector history of -1 values does not fit");
  EXPECT_EQ(load(with(3, "inf")).message(),
            "saved state: season detector history holds an infinite value");
  // After the history: the daily lag's window sum and count, its deviations, and
  // its correlation's moments.
  EXPECT_EQ(load(with(3 + 168 + 1, "-1")).message(),
            "saved state: season detector window out of range");
  EXPECT_EQ(load(with(3 + 168 + 2 + 1 + 24 + 2, "-1")).message(),
            "saved state: correlation moments out of range");
  EXPECT_THAT(load(with(5, "x")).message(), HasSubstr("'x' is not a number"));
  // A NaN in the history is a missing value, and loads.
  EXPECT_TRUE(load(with(3, "nan")).ok());
}

}  // namespace
}  // namespace prescale
