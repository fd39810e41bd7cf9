// Save and Load of the built-in forecasters: a restored model continues bit for bit
// where the saved one was, and a short, garbled or mismatched record fails with a
// message and leaves the model as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "forecast/state_test_util.h"
#include "prescale/forecaster.h"
#include "prescale/params.h"
#include "prescale/state_codec.h"

namespace prescale {
namespace {

using ::testing::HasSubstr;

constexpr int kHorizon = 5;
constexpr double kQuantile = 0.9;
constexpr int kFurther = 300;  // values fed to both models after the restore

struct ForecasterCase {
  std::string test_name;
  std::string forecaster;
  std::vector<std::pair<std::string, std::string>> params;
  double step_s = 3600;
};

std::ostream& operator<<(std::ostream& os, const ForecasterCase& c) { return os << c.test_name; }

// With 1-hour steps holt-winters has a daily season of 24 steps and a weekly one of
// 168, so the counts below cover the warm-up of each season and some time after.
const ForecasterCase kCases[] = {
    {"Linear", "linear", {}},
    {"LinearWindow3", "linear", {{"window", "3"}}},
    {"HoltWinters", "holt-winters", {}},
    {"HoltWintersWeekly", "holt-winters", {{"weekly", "true"}}},
    // 1-day steps: no daily season, a weekly one of 7 steps.
    {"HoltWintersWeeklyOnly", "holt-winters", {{"weekly", "true"}}, 86400},
    // 2-day steps: no season at all.
    {"HoltWintersNoSeason", "holt-winters", {}, 172800},
    {"Naive", "naive", {}},
    {"RecentMax", "recent-max", {}},
    {"SeasonalNaive", "seasonal-naive", {}},
    {"SeasonalNaiveWeekly", "seasonal-naive", {{"weekly", "true"}}},
    {"Percentile", "percentile", {{"window", "50"}, {"level", "0.9"}}},
    // 1-day steps keep the ensemble's record small (a weekly season of 7 steps) for
    // the every-number tests; hourly steps are only restored, below.
    {"AutoDailySteps", "auto", {}, 86400},
};
// The ensemble with both seasons and its percentile's full window.
const ForecasterCase kAutoHourly{"AutoHourly", "auto", {}};
const ForecasterCase kPercentileDefault{"PercentileDefault", "percentile", {}};
// 1-minute steps: a daily season of 1440 steps. Only restored, since its record of
// some 2900 numbers would make the every-number tests below slow.
const ForecasterCase kMinuteSteps{"HoltWintersMinuteSteps", "holt-winters", {}, 60};

// Values seen before the save: none, the first few, within and just after each
// season's first period, and well past linear's recentring (every 256 steps).
const int kCounts[] = {0, 1, 2, 5, 23, 24, 25, 50, 167, 168, 169, 400, 1500};

std::unique_ptr<Forecaster> Make(const ForecasterCase& c) {
  Params params;
  for (const auto& [key, value] : c.params) params.Set(key, value);
  Result<std::unique_ptr<Forecaster>> f =
      Forecasters().Create(c.forecaster, params, {.step = Duration(c.step_s)});
  EXPECT_TRUE(f.ok()) << f.status().message();
  return f.ok() ? std::move(f).value() : nullptr;
}

// A seeded load series: a daily wave of 24 steps over a slow ramp, with noise,
// spikes, missing values and a NaN now and then.
class Series {
 public:
  explicit Series(unsigned seed) : random_(seed) {}

  std::optional<double> Next() {
    const int t = t_++;
    const double noise = std::uniform_real_distribution<double>(-5, 5)(random_);
    if (t % 11 == 10) return std::nullopt;
    if (t % 37 == 5) return std::nan("");
    double y = 100 + 40 * std::sin(2 * 3.14159265358979 * t / 24) + 0.05 * t + noise;
    if (t % 53 == 7) y *= 3;
    return y;
  }

 private:
  std::mt19937 random_;
  int t_ = 0;
};

// Forecasts of `a` and `b` (h = 1..kHorizon) are identical, bit for bit.
void ExpectSameForecasts(const Forecaster& a, const Forecaster& b) {
  ForecastResult fa, fb;
  a.Forecast(kHorizon, kQuantile, fa);
  b.Forecast(kHorizon, kQuantile, fb);
  EXPECT_EQ(fa.ready, fb.ready);
  for (int h = 0; h < kHorizon; ++h) {
    EXPECT_EQ(fa.point[h], fb.point[h]) << "h = " << h + 1;
    EXPECT_EQ(fa.upper[h], fb.upper[h]) << "h = " << h + 1;
  }
}

// Feeds the same further values to both and checks every forecast on the way.
void ExpectSameFuture(Forecaster& a, Forecaster& b, Series& series) {
  for (int i = 0; i < kFurther; ++i) {
    ExpectSameForecasts(a, b);
    if (::testing::Test::HasFailure()) return;
    const std::optional<double> v = series.Next();
    a.Observe(v);
    b.Observe(v);
  }
  ExpectSameForecasts(a, b);
}

class ForecasterStateTest : public ::testing::TestWithParam<ForecasterCase> {
 protected:
  // A model that has seen `n` values of the series.
  std::unique_ptr<Forecaster> Trained(int n, Series& series) {
    std::unique_ptr<Forecaster> f = Make(GetParam());
    for (int i = 0; i < n && f; ++i) f->Observe(series.Next());
    return f;
  }

  // `f` still holds `good` (its record is unchanged), and it forecasts on exactly
  // like a model restored from `good`.
  void ExpectUnchanged(Forecaster& f, const std::string& good) {
    EXPECT_EQ(SaveText(f), good);
    std::unique_ptr<Forecaster> twin = Make(GetParam());
    ASSERT_TRUE(LoadText(*twin, good).ok());
    Series further(99);
    ExpectSameFuture(f, *twin, further);
  }
};

TEST_P(ForecasterStateTest, RestoredModelContinuesBitForBit) {
  for (int n : kCounts) {
    SCOPED_TRACE("after " + std::to_string(n) + " values");
    Series series(7);
    std::unique_ptr<Forecaster> original = Trained(n, series);
    ASSERT_NE(original, nullptr);
    const std::string text = SaveText(*original);
    std::unique_ptr<Forecaster> restored = Make(GetParam());
    const Status loaded = LoadText(*restored, text);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    EXPECT_EQ(SaveText(*restored), text);
    ExpectSameFuture(*original, *restored, series);
    if (HasFailure()) return;
  }
}

TEST_P(ForecasterStateTest, LoadReplacesWhatAUsedModelHeld) {
  Series series(7);
  std::unique_ptr<Forecaster> original = Trained(200, series);
  Series other(8);
  std::unique_ptr<Forecaster> used = Trained(77, other);
  ASSERT_TRUE(LoadText(*used, SaveText(*original)).ok());
  ExpectSameFuture(*original, *used, series);
}

INSTANTIATE_TEST_SUITE_P(Builtins, ForecasterStateTest,
                         ::testing::Values(kCases[0], kCases[1], kCases[2], kCases[3], kCases[4],
                                           kCases[5], kCases[6], kCases[7], kCases[8], kCases[9],
                                           kCases[10], kCases[11], kMinuteSteps, kAutoHourly,
                                           kPercentileDefault),
                         [](const auto& info) { return info.param.test_name; });

// The bad-record tests.
class ForecasterBadStateTest : public ForecasterStateTest {};

TEST_P(ForecasterBadStateTest, EmptyRecordFails) {
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  const Status s = LoadText(*f, "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), GetParam().forecaster + ": saved state: record ends early");
  ExpectUnchanged(*f, good);
}

TEST_P(ForecasterBadStateTest, EveryTruncatedRecordFails) {
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  const std::vector<std::string> tokens = Tokens(good);
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Status s = LoadText(*f, Join(tokens, k));
    ASSERT_FALSE(s.ok()) << "cut after " << k << " of " << tokens.size() << " numbers";
    EXPECT_THAT(s.message(), HasSubstr("record ends early")) << "cut after " << k;
  }
  ExpectUnchanged(*f, good);
}

TEST_P(ForecasterBadStateTest, ANonNumberAnywhereFails) {
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  std::vector<std::string> tokens = Tokens(good);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string kept = tokens[i];
    tokens[i] = i % 2 == 0 ? "x1" : "1.5.2";
    const Status s = LoadText(*f, Join(tokens, tokens.size()));
    ASSERT_FALSE(s.ok()) << "number " << i;
    EXPECT_THAT(s.message(), HasSubstr("'" + tokens[i] + "' is not a")) << "number " << i;
    tokens[i] = kept;
  }
  ExpectUnchanged(*f, good);
}

TEST_P(ForecasterBadStateTest, WrongVersionFails) {
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  std::vector<std::string> tokens = Tokens(good);
  // The format version comes first (1 for most forecasters, 2 for holt-winters).
  const std::string version = tokens[0];
  ASSERT_TRUE(version == "1" || version == "2") << version;
  const std::string next = std::to_string(std::stoi(version) + 1);
  tokens[0] = next;
  const Status s = LoadText(*f, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), GetParam().forecaster + ": saved state has format version " + next +
                             ", this build reads version " + version);
  ExpectUnchanged(*f, good);
}

TEST_P(ForecasterBadStateTest, TrailingDataFails) {
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  const Status s = LoadText(*f, good + " 0");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("unexpected data at the end"));
  ExpectUnchanged(*f, good);
}

// Any number in any place either loads or fails cleanly, and the model then runs on
// without crashing (the sanitizer builds catch what a release build would not).
TEST_P(ForecasterBadStateTest, OutOfRangeNumbersNeverBreakTheModel) {
  const char* const kOdd[] = {"-1",
                              "0",
                              "1",
                              "2",
                              "7",
                              "24",
                              "1e300",
                              "-1e300",
                              "nan",
                              "inf",
                              "9223372036854775807",
                              "-9223372036854775808"};
  Series series(7);
  std::unique_ptr<Forecaster> f = Trained(200, series);
  const std::string good = SaveText(*f);
  std::vector<std::string> tokens = Tokens(good);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string kept = tokens[i];
    for (const char* odd : kOdd) {
      tokens[i] = odd;
      const Status s = LoadText(*f, Join(tokens, tokens.size()));
      if (!s.ok()) {
        EXPECT_FALSE(s.message().empty());
        EXPECT_EQ(SaveText(*f), good) << "number " << i << " = " << odd << ": " << s.message();
        continue;
      }
      ForecastResult out;
      for (int step = 0; step < 30; ++step) {
        f->Observe(100.0 + step);
        f->Forecast(kHorizon, kQuantile, out);
      }
      ASSERT_TRUE(LoadText(*f, good).ok());
    }
    tokens[i] = kept;
  }
  ExpectUnchanged(*f, good);
}

INSTANTIATE_TEST_SUITE_P(Builtins, ForecasterBadStateTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.test_name; });

// A record saved under other settings that fix a size.
struct MismatchCase {
  std::string test_name;
  ForecasterCase saved;
  ForecasterCase loading;
  std::string message;  // the whole error
};

std::ostream& operator<<(std::ostream& os, const MismatchCase& c) { return os << c.test_name; }

class ForecasterStateMismatchTest : public ::testing::TestWithParam<MismatchCase> {};

TEST_P(ForecasterStateMismatchTest, FailsWithBothSizesAndKeepsTheModel) {
  const MismatchCase& c = GetParam();
  std::unique_ptr<Forecaster> saved = Make(c.saved);
  std::unique_ptr<Forecaster> loading = Make(c.loading);
  ASSERT_NE(saved, nullptr);
  ASSERT_NE(loading, nullptr);
  Series a(7);
  for (int i = 0; i < 200; ++i) saved->Observe(a.Next());
  Series b(8);
  for (int i = 0; i < 50; ++i) loading->Observe(b.Next());
  const std::string before = SaveText(*loading);

  const Status s = LoadText(*loading, SaveText(*saved));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), c.message);
  EXPECT_EQ(SaveText(*loading), before);
}

INSTANTIATE_TEST_SUITE_P(
    Builtins, ForecasterStateMismatchTest,
    ::testing::Values(
        MismatchCase{"LinearWindow",
                     {"", "linear", {{"window", "20"}}},
                     {"", "linear", {}},
                     "linear: saved state is for a window of 20 values, this model has 10"},
        MismatchCase{"DailySeason",
                     {"", "holt-winters", {}, 300},
                     {"", "holt-winters", {}, 60},
                     "holt-winters: saved state is for a daily season of 288 steps, this "
                     "model has a daily season of 1440 steps"},
        MismatchCase{"WeeklyAdded",
                     {"", "holt-winters", {}},
                     {"", "holt-winters", {{"weekly", "true"}}},
                     "holt-winters: saved state is for no weekly season, this model has a "
                     "weekly season of 168 steps"},
        MismatchCase{"WeeklyDropped",
                     {"", "holt-winters", {{"weekly", "true"}}},
                     {"", "holt-winters", {}},
                     "holt-winters: saved state is for a weekly season of 168 steps, this "
                     "model has no weekly season"},
        MismatchCase{"DailyLost",
                     {"", "holt-winters", {}},
                     {"", "holt-winters", {}, 172800},
                     "holt-winters: saved state is for a daily season of 24 steps, this "
                     "model has no daily season"}),
    [](const auto& info) { return info.param.test_name; });

// A record that parses but describes no reachable state: the counters that index
// the seasons and the level history must agree.
TEST(HoltWintersStateTest, InconsistentCountersFail) {
  const ForecasterCase c{"", "holt-winters", {}};
  std::unique_ptr<Forecaster> f = Make(c);
  Series series(7);
  for (int i = 0; i < 30; ++i) f->Observe(series.Next());
  const std::string good = SaveText(*f);
  std::vector<std::string> tokens = Tokens(good);
  // Layout: version, m1 = 24, m2 = 0, observed, level, trend, then the daily phase.
  ASSERT_EQ(tokens[1], "24");
  ASSERT_EQ(tokens[6], "6");  // 30 steps: phase 30 mod 24
  tokens[6] = "24";
  Status s = LoadText(*f, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("season phases 24, 0 and level position 6 do not agree"));
  tokens[6] = "5";
  s = LoadText(*f, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("do not agree"));
  EXPECT_EQ(SaveText(*f), good);
}

TEST(LinearStateTest, WindowOutOfOrderFails) {
  const ForecasterCase c{"", "linear", {{"window", "3"}}};
  std::unique_ptr<Forecaster> f = Make(c);
  for (int i = 0; i < 5; ++i) f->Observe(10.0 * i);
  const std::string good = SaveText(*f);
  std::vector<std::string> tokens = Tokens(good);
  // Layout: version, window = 3, now = 4, 3 points (x, y), ...
  ASSERT_EQ(Join(tokens, 10), "1 3 4 3 2 20 3 30 4 40");
  tokens[6] = "2";  // two points at the same step
  const Status s = LoadText(*f, Join(tokens, tokens.size()));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "linear: saved state: window point 1 out of order or not finite");
  EXPECT_EQ(SaveText(*f), good);
}

}  // namespace
}  // namespace prescale
