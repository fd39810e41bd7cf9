// EnsembleForecaster ("auto"): its five members in order, each the very forecast of the
// model it stands for; the Holt-Winters member following the season found; the primary
// forecast as the member with the lowest error at the horizon; Forecast without
// allocation; Save/Load; and construction through the registry.
#include "forecast/ensemble.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "forecast/holt_winters.h"
#include "forecast/naive.h"
#include "forecast/state_test_util.h"
#include "prescale/forecaster.h"
#include "prescale/params.h"
#include "prescale/state_codec.h"

// Counts every allocation of the test binary, so that a test can check that a call
// allocates nothing. Every form is replaced, not only the one the others call by
// default: a sanitizer runtime supplies its own nothrow and array forms, and would
// then pair its allocation with the free below (alloc-dealloc-mismatch).
namespace {
std::atomic<std::int64_t> g_allocations{0};
}  // namespace

// GCC pairs the malloc it sees inlined here with the free below and warns, though a
// replacement operator new and delete may be built on them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace prescale {
namespace {

using ::testing::HasSubstr;

constexpr double kPi = 3.14159265358979323846;
constexpr int kDay = 24;  // hourly steps
constexpr int kWeek = 7 * kDay;

// The seasons a step allows, as the "auto" factory sets them.
EnsembleForecaster::Options OptionsForStep(double step_s) {
  EnsembleForecaster::Options o;
  o.daily_period = HoltWintersForecaster::DailyPeriod(Duration(step_s));
  o.weekly_period = HoltWintersForecaster::WeeklyPeriod(Duration(step_s));
  return o;
}

EnsembleForecaster::Options HourlyOptions(int horizon = 1) {
  EnsembleForecaster::Options o;
  o.daily_period = kDay;
  o.weekly_period = kWeek;
  o.horizon_steps = horizon;
  return o;
}

using Series = std::function<std::optional<double>(int t, std::mt19937& rng)>;

double Noise(std::mt19937& rng, double sd) { return std::normal_distribution<double>(0, sd)(rng); }

std::optional<double> WhiteNoise(int, std::mt19937& rng) { return 100 + Noise(rng, 5); }

std::optional<double> DailyWave(int t, std::mt19937& rng) {
  return 100 + 20 * std::sin(2 * kPi * t / kDay) + Noise(rng, 2);
}

std::optional<double> Weekend(int t, std::mt19937& rng) {
  const bool weekend = (t / kDay) % 7 >= 5;
  return (weekend ? 40 : 100) + 10 * std::sin(2 * kPi * t / kDay) + Noise(rng, 2);
}

void Feed(Forecaster& f, const Series& series, int from, int to, std::mt19937& rng) {
  for (int t = from; t < to; ++t) f.Observe(series(t, rng));
}

// ---------------------------------------------------------------- the members

// The standalone models the members stand for, fed the same values.
struct Twins {
  explicit Twins(const EnsembleForecaster::Options& o) {
    HoltWintersForecaster::Options hw = o.holt_winters;
    hw.spread_halflife = o.spread_halflife;
    hw_none = std::make_unique<HoltWintersForecaster>(hw);
    hw.daily_period = o.daily_period;
    hw_daily = std::make_unique<HoltWintersForecaster>(hw);
    hw.weekly_period = o.weekly_period;
    hw_weekly = std::make_unique<HoltWintersForecaster>(hw);
    auto naive = [&o](NaiveForecaster::Kind kind, int window) {
      NaiveForecaster::Options n;
      n.kind = kind;
      n.window = window;
      n.spread_halflife = o.spread_halflife;
      return std::make_unique<NaiveForecaster>(n);
    };
    snaive_daily = naive(NaiveForecaster::Kind::kSeasonal, o.daily_period);
    snaive_weekly = naive(NaiveForecaster::Kind::kSeasonal, o.weekly_period);
    last = naive(NaiveForecaster::Kind::kLast, 1);
    recent_max = naive(NaiveForecaster::Kind::kRecentMax, o.recent_window);
    percentile = naive(NaiveForecaster::Kind::kPercentile, o.percentile_window);
  }
  void Observe(std::optional<double> v) {
    for (Forecaster* f : All()) f->Observe(v);
  }
  std::vector<Forecaster*> All() {
    return {hw_none.get(),       hw_daily.get(), hw_weekly.get(),  snaive_daily.get(),
            snaive_weekly.get(), last.get(),     recent_max.get(), percentile.get()};
  }
  std::unique_ptr<Forecaster> hw_none, hw_daily, hw_weekly, snaive_daily, snaive_weekly, last,
      recent_max, percentile;
};

void ExpectSameForecast(const ForecastResult& member, const Forecaster& model, int horizon) {
  ForecastResult r;
  model.Forecast(horizon, 0.9, r);
  EXPECT_EQ(member.point, r.point);
  EXPECT_EQ(member.upper, r.upper);
  EXPECT_EQ(member.ready, r.ready);
  EXPECT_EQ(member.quantile, 0.9);
}

// The median member as it should be: step by step, the middle of the ready ones among
// the three forecasts (the mean of two, or the one), its band's half-width the
// middle of theirs.
void ExpectMedianOf(const ForecastResult& member, const Forecaster& hw, const Forecaster& snaive,
                    const Forecaster& last, int horizon) {
  std::vector<ForecastResult> ready;
  for (const Forecaster* f : {&hw, &snaive, &last}) {
    ForecastResult r;
    f->Forecast(horizon, 0.9, r);
    if (r.ready) ready.push_back(r);
  }
  ASSERT_FALSE(ready.empty());
  EXPECT_TRUE(member.ready);
  EXPECT_EQ(member.quantile, 0.9);
  auto middle = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 == 1 ? v[v.size() / 2] : (v[0] + v[1]) / 2;
  };
  for (int h = 0; h < horizon; ++h) {
    std::vector<double> points, widths;
    for (const ForecastResult& r : ready) {
      points.push_back(r.point[h]);
      widths.push_back(r.upper[h] - r.point[h]);
    }
    EXPECT_DOUBLE_EQ(member.point[h], middle(points)) << h;
    EXPECT_DOUBLE_EQ(member.upper[h], middle(points) + middle(widths)) << h;
  }
}

struct SeasonCase {
  std::string test_name;
  Series series;
  int steps;
  Seasonality season;
  std::string holt_winters;  // the Holt-Winters member's model
};

void PrintTo(const SeasonCase& c, std::ostream* os) { *os << c.test_name; }

class EnsembleSeasonTest : public testing::TestWithParam<SeasonCase> {};

TEST_P(EnsembleSeasonTest, MembersAreTheirModelsInOrder) {
  const SeasonCase& c = GetParam();
  const EnsembleForecaster::Options options = HourlyOptions();
  EnsembleForecaster f(options);
  Twins twins(options);
  std::mt19937 rng(21);
  for (int t = 0; t < c.steps; ++t) {
    const std::optional<double> v = c.series(t, rng);
    f.Observe(v);
    twins.Observe(v);
  }
  EXPECT_EQ(f.name(), "auto");
  EXPECT_EQ(f.season(), c.season);
  EXPECT_EQ(f.HoltWintersModel(), c.holt_winters);

  constexpr int kHorizon = 30;  // longer than a day: the seasonal steps wrap
  ForecastResult out;
  f.Forecast(kHorizon, 0.9, out);
  ASSERT_EQ(out.members.size(), 5u);
  const std::string names[] = {c.holt_winters, "seasonal-naive", "median", "recent-max",
                               "percentile"};
  for (int m = 0; m < 5; ++m) {
    EXPECT_EQ(out.members[m].model, names[m]) << m;
    EXPECT_TRUE(out.members[m].members.empty());
    EXPECT_EQ(out.members[m].horizon(), kHorizon);
  }
  const Forecaster& hw = c.season == Seasonality::kWeekly  ? *twins.hw_weekly
                         : c.season == Seasonality::kDaily ? *twins.hw_daily
                                                           : *twins.hw_none;
  const Forecaster& snaive =
      c.season == Seasonality::kWeekly ? *twins.snaive_weekly : *twins.snaive_daily;
  ExpectSameForecast(out.members[0], hw, kHorizon);
  ExpectSameForecast(out.members[1], snaive, kHorizon);
  ExpectMedianOf(out.members[2], hw, snaive, *twins.last, kHorizon);
  ExpectSameForecast(out.members[3], *twins.recent_max, kHorizon);
  ExpectSameForecast(out.members[4], *twins.percentile, kHorizon);

  // The primary forecast repeats one member whole.
  const ForecastResult& best = out.members[f.primary()];
  EXPECT_EQ(out.model, best.model);
  EXPECT_EQ(out.point, best.point);
  EXPECT_EQ(out.upper, best.upper);
  EXPECT_EQ(out.ready, best.ready);
  EXPECT_EQ(out.quantile, 0.9);
}

INSTANTIATE_TEST_SUITE_P(
    Series, EnsembleSeasonTest,
    testing::Values(
        SeasonCase{"FewValues", DailyWave, 5, Seasonality::kNone, "holt-winters"},
        // The season is found at the 47th value (see season_detector.h).
        SeasonCase{"DailyNotYetFound", DailyWave, 2 * kDay - 2, Seasonality::kNone, "holt-winters"},
        SeasonCase{"DailyFound", DailyWave, 2 * kDay, Seasonality::kDaily, "holt-winters daily"},
        SeasonCase{"DailyLater", DailyWave, 3 * kWeek, Seasonality::kDaily, "holt-winters daily"},
        SeasonCase{"NoiseHasNone", WhiteNoise, 3 * kWeek, Seasonality::kNone, "holt-winters"},
        // The weekend's week needs two weeks of values. Until then the weekday and
        // weekend levels, whose swings dwarf the daily wave, spoil the day's
        // deviations around each switch, and no season is claimed.
        SeasonCase{"WeekendBeforeTwoWeeks", Weekend, 2 * kWeek - 2, Seasonality::kNone,
                   "holt-winters"},
        SeasonCase{"WeekendFound", Weekend, 2 * kWeek, Seasonality::kWeekly, "holt-winters weekly"},
        SeasonCase{"WeekendLater", Weekend, 5 * kWeek, Seasonality::kWeekly,
                   "holt-winters weekly"}),
    [](const testing::TestParamInfo<SeasonCase>& case_info) { return case_info.param.test_name; });

TEST(EnsembleTest, NoSeasonAtThisStep) {
  // A step too fine for a daily season (and so for a weekly one): Holt's model, and
  // the seasonal-naive member is the last value, which is then the median of the
  // three (two of them are the last value).
  const EnsembleForecaster::Options o = OptionsForStep(4);
  ASSERT_EQ(o.daily_period, 0);
  ASSERT_EQ(o.weekly_period, 0);
  EnsembleForecaster f(o);
  std::mt19937 rng(2);
  Feed(f, DailyWave, 0, 500, rng);
  EXPECT_EQ(f.season(), Seasonality::kNone);
  ForecastResult out;
  f.Forecast(3, 0.9, out);
  EXPECT_EQ(out.members[0].model, "holt-winters");
  EXPECT_EQ(out.members[1].model, "seasonal-naive");
  EXPECT_EQ(out.members[1].point, out.members[2].point);
}

TEST(EnsembleTest, WeeklyAloneAtDailySteps) {
  // Daily steps: no daily season, a weekly one of 7 steps.
  const EnsembleForecaster::Options o = OptionsForStep(86400);
  ASSERT_EQ(o.daily_period, 0);
  ASSERT_EQ(o.weekly_period, 7);
  EnsembleForecaster f(o);
  std::mt19937 rng(2);
  auto weekdays = [](int t, std::mt19937& r) -> std::optional<double> {
    return (t % 7 >= 5 ? 40 : 100) + Noise(r, 2);
  };
  Feed(f, weekdays, 0, 13, rng);
  EXPECT_EQ(f.HoltWintersModel(), "holt-winters");
  Feed(f, weekdays, 13, 70, rng);
  EXPECT_EQ(f.season(), Seasonality::kWeekly);
  EXPECT_EQ(f.HoltWintersModel(), "holt-winters weekly");
  ForecastResult out;
  f.Forecast(7, 0.9, out);
  EXPECT_EQ(out.members[0].model, "holt-winters weekly");
  // Seasonal-naive is a week back: the weekend comes back on days 5 and 6.
  for (int h = 1; h <= 7; ++h) {
    const bool weekend = (69 + h) % 7 >= 5;
    EXPECT_EQ(out.members[1].point[h - 1] < 70, weekend) << h;
  }
}

TEST(EnsembleTest, MissingValuesReachEveryMember) {
  const EnsembleForecaster::Options options = HourlyOptions();
  EnsembleForecaster f(options);
  Twins twins(options);
  std::mt19937 rng(5);
  for (int t = 0; t < 3 * kWeek; ++t) {
    std::optional<double> v = DailyWave(t, rng);
    if (t % 7 == 3) v = std::nullopt;
    if (t % 29 == 1) v = std::numeric_limits<double>::quiet_NaN();
    f.Observe(v);
    twins.Observe(v);
  }
  ForecastResult out;
  f.Forecast(4, 0.9, out);
  ExpectSameForecast(out.members[0], *twins.hw_daily, 4);
  ExpectMedianOf(out.members[2], *twins.hw_daily, *twins.snaive_daily, *twins.last, 4);
  ExpectSameForecast(out.members[4], *twins.percentile, 4);
}

// ---------------------------------------------------------------- the primary forecast

// The member with the lowest error (the first on a tie).
int LowestError(const EnsembleForecaster& f) {
  int best = 0;
  for (int m = 1; m < EnsembleForecaster::kMembers; ++m) {
    if (f.MemberError(m) < f.MemberError(best)) best = m;
  }
  return best;
}

std::string Errors(const EnsembleForecaster& f) {
  std::string s;
  for (int m = 0; m < EnsembleForecaster::kMembers; ++m) {
    s += std::string(EnsembleForecaster::kMemberNames[m]) + " " + std::to_string(f.MemberError(m)) +
         "; ";
  }
  return s;
}

struct PrimaryCase {
  std::string test_name;
  Series series;
  int horizon;
  int steps;
  int primary;  // the member expected to win
};

void PrintTo(const PrimaryCase& c, std::ostream* os) { *os << c.test_name; }

class EnsemblePrimaryTest : public testing::TestWithParam<PrimaryCase> {};

TEST_P(EnsemblePrimaryTest, IsTheMemberWithTheLowestError) {
  const PrimaryCase& c = GetParam();
  EnsembleForecaster f(HourlyOptions(c.horizon));
  std::mt19937 rng(8);
  ForecastResult out;
  for (int t = 0; t < c.steps; ++t) {
    f.Observe(c.series(t, rng));
    // Until every member has been scored 10 times per step of horizon: Holt-Winters.
    if (t < 10 * c.horizon + c.horizon) {
      ASSERT_EQ(f.primary(), 0) << t;
    }
    if (t >= 11 * c.horizon && (t % 50 == 0 || t == c.steps - 1)) {
      ASSERT_EQ(f.primary(), LowestError(f)) << "t=" << t << ": " << Errors(f);
      f.Forecast(c.horizon, 0.9, out);
      EXPECT_EQ(out.model, out.members[f.primary()].model);
      EXPECT_EQ(out.point, out.members[f.primary()].point);
    }
  }
  EXPECT_EQ(f.primary(), c.primary) << Errors(f);
}

// A flat load with a tenfold spike every 37 steps: the robust Holt-Winters update
// barely moves on a spike, where the persistence forecasts carry it forward and
// the percentile sizes for it always; the median, of which the last value is one
// of three, is not moved by it either, and misses by a little less than
// Holt-Winters.
std::optional<double> Spikes(int t, std::mt19937& rng) {
  return (t % 37 == 20 ? 1000.0 : 100.0) + Noise(rng, 1);
}

// A pure daily wave: seasonal-naive is exact from the second day on.
std::optional<double> PureDailyWave(int t, std::mt19937&) {
  return 100 + 50 * std::sin(2 * kPi * t / kDay);
}

// A load that jumps to a new random level every 20 steps: the last value is the best
// guess, and recent-max (the largest of the last three) the member nearest it.
std::optional<double> RandomSteps(int t, std::mt19937&) {
  std::mt19937 block(static_cast<unsigned>(t / 20));
  return 50 + 100 * std::uniform_real_distribution<double>()(block);
}

INSTANTIATE_TEST_SUITE_P(
    Series, EnsemblePrimaryTest,
    testing::Values(PrimaryCase{"SpikesMedian", Spikes, 1, 3 * kWeek, 2},
                    PrimaryCase{"PureDailySeasonalNaive", PureDailyWave, 1, 2 * kWeek, 1},
                    PrimaryCase{"PureDailySeasonalNaiveAt6", PureDailyWave, 6, 2 * kWeek, 1},
                    PrimaryCase{"RandomStepsRecentMax", RandomSteps, 1, 3 * kWeek, 3}),
    [](const testing::TestParamInfo<PrimaryCase>& case_info) { return case_info.param.test_name; });

TEST(EnsembleTest, MemberErrorIsZeroBeforeScoring) {
  EnsembleForecaster f(HourlyOptions(3));
  for (int m = 0; m < EnsembleForecaster::kMembers; ++m) EXPECT_EQ(f.MemberError(m), 0.0);
  EXPECT_EQ(f.primary(), 0);
  ForecastResult out;
  f.Forecast(3, 0.9, out);
  EXPECT_FALSE(out.ready);
  EXPECT_EQ(out.model, "holt-winters");
  EXPECT_EQ(out.point, std::vector<double>(3, 0.0));
}

TEST(EnsembleTest, ScoresAtTheHorizon) {
  // A ramp of 1 per step: recent-max (the largest of the last three, on a ramp the
  // last value) is off by exactly the horizon, at every step.
  for (int horizon : {1, 4}) {
    EnsembleForecaster f(HourlyOptions(horizon));
    for (int t = 0; t < 100; ++t) f.Observe(t);
    EXPECT_NEAR(f.MemberError(3), horizon, 1e-9) << horizon;
  }
}

// ---------------------------------------------------------------- allocation

TEST(EnsembleTest, ForecastDoesNotAllocateOnceTheResultHasItsMembers) {
  EnsembleForecaster f(HourlyOptions(4));
  std::mt19937 rng(3);
  Feed(f, Weekend, 0, 3 * kWeek, rng);
  ASSERT_EQ(f.season(), Seasonality::kWeekly);
  ForecastResult out;
  f.Forecast(12, 0.9, out);
  const std::int64_t before = g_allocations.load();
  for (int i = 0; i < 50; ++i) {
    f.Forecast(12, 0.9, out);
    f.Forecast(12, 0.5, out);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  // Observe does not allocate either, once its scratch forecast has its size.
  const std::int64_t observing = g_allocations.load();
  Feed(f, Weekend, 3 * kWeek, 3 * kWeek + 100, rng);
  EXPECT_EQ(g_allocations.load() - observing, 0);
  // The counter counts: a new result allocates.
  ForecastResult fresh;
  f.Forecast(12, 0.9, fresh);
  EXPECT_GT(g_allocations.load() - observing, 0);
}

// ---------------------------------------------------------------- Save and Load

void ExpectSameEnsemble(const EnsembleForecaster& a, const EnsembleForecaster& b) {
  EXPECT_EQ(a.season(), b.season());
  EXPECT_EQ(a.primary(), b.primary());
  EXPECT_EQ(a.HoltWintersModel(), b.HoltWintersModel());
  for (int m = 0; m < EnsembleForecaster::kMembers; ++m) {
    EXPECT_EQ(a.MemberError(m), b.MemberError(m)) << m;
  }
  ForecastResult fa, fb;
  a.Forecast(30, 0.9, fa);
  b.Forecast(30, 0.9, fb);
  EXPECT_EQ(fa.point, fb.point);
  EXPECT_EQ(fa.upper, fb.upper);
  EXPECT_EQ(fa.model, fb.model);
  EXPECT_EQ(fa.ready, fb.ready);
  ASSERT_EQ(fa.members.size(), fb.members.size());
  for (std::size_t m = 0; m < fa.members.size(); ++m) {
    EXPECT_EQ(fa.members[m].point, fb.members[m].point) << m;
    EXPECT_EQ(fa.members[m].upper, fb.members[m].upper) << m;
    EXPECT_EQ(fa.members[m].model, fb.members[m].model) << m;
    EXPECT_EQ(fa.members[m].ready, fb.members[m].ready) << m;
  }
}

std::optional<double> GappyWeekend(int t, std::mt19937& rng) {
  const std::optional<double> v = Weekend(t, rng);
  if (t % 13 == 6) return std::nullopt;
  if (t % 41 == 9) return *v * 5;
  return v;
}

TEST(EnsembleStateTest, RoundTripForecastsTheSameMembersIncluded) {
  for (int n : {0, 1, 2, 24, 47, 48, 167, 168, 335, 336, 600}) {
    SCOPED_TRACE("after " + std::to_string(n) + " values");
    EnsembleForecaster original(HourlyOptions(3));
    std::mt19937 rng(6);
    Feed(original, GappyWeekend, 0, n, rng);
    const std::string text = SaveText(original);
    EnsembleForecaster restored(HourlyOptions(3));
    std::mt19937 other(7);
    Feed(restored, DailyWave, 0, 50, other);  // Load replaces what it held
    const Status s = LoadText(restored, text);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(SaveText(restored), text);
    ExpectSameEnsemble(original, restored);
    for (int t = n; t < n + kWeek; ++t) {
      const std::optional<double> v = GappyWeekend(t, rng);
      original.Observe(v);
      restored.Observe(v);
      if (t % 10 == 0) ExpectSameEnsemble(original, restored);
      if (HasFailure()) return;
    }
    ExpectSameEnsemble(original, restored);
  }
}

// Where each part of a record starts, read from its own counts.
struct Layout {
  std::size_t detector;              // the season detector's record
  std::vector<std::size_t> has;      // each model's "present" flag
  std::vector<std::size_t> nested;   // each present model's nested length
  std::vector<std::size_t> pending;  // each present model's pending count, then the
                                     // median member's
};

Layout Parse(const std::vector<std::string>& t) {
  Layout l;
  l.detector = 4;
  // The detector: its lags and history, then per lag a window sum and count, its
  // deviations and a correlation of six numbers.
  std::size_t i = l.detector + 3 + std::stoul(t[l.detector + 2]);
  for (int lag = 0; lag < 2; ++lag) i += 2 + 1 + std::stoul(t[i + 2]) + 6;
  for (int m = 0; m < 8; ++m) {
    l.has.push_back(i);
    if (t[i++] == "0") continue;
    l.nested.push_back(i);
    i += 1 + std::stoul(t[i]);
    l.pending.push_back(i);
    i += 1 + std::stoul(t[i]) + 3;
  }
  l.pending.push_back(i);  // the median member's scores
  i += 1 + std::stoul(t[i]) + 3;
  EXPECT_EQ(i, t.size());
  return l;
}

class EnsembleBadStateTest : public testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(6);
    Feed(f_, GappyWeekend, 0, 400, rng);
    good_ = SaveText(f_);
    tokens_ = Tokens(good_);
    layout_ = Parse(tokens_);
  }
  std::string With(std::size_t i, const std::string& v) const {
    std::vector<std::string> t = tokens_;
    t[i] = v;
    return Join(t, t.size());
  }
  // Load fails with `what`, and the model is as it was.
  void ExpectRefused(const std::string& text, const std::string& what) {
    const Status s = LoadText(f_, text);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.message(), HasSubstr(what));
    EXPECT_EQ(s.message().rfind("auto: ", 0), 0u) << s.message();
    EXPECT_EQ(SaveText(f_), good_);
  }
  void TearDown() override {
    // Still the model it was: it forecasts as a fresh one loaded from its record.
    EnsembleForecaster twin(HourlyOptions(3));
    ASSERT_TRUE(LoadText(twin, good_).ok());
    ExpectSameEnsemble(f_, twin);
  }

  EnsembleForecaster f_{HourlyOptions(3)};
  std::string good_;
  std::vector<std::string> tokens_;
  Layout layout_;
};

TEST_F(EnsembleBadStateTest, EveryTruncatedRecordFails) {
  ASSERT_EQ(layout_.has.size(), 8u);
  ASSERT_EQ(layout_.nested.size(), 8u);  // hourly steps: every model runs
  for (std::size_t k = 0; k < tokens_.size(); ++k) {
    const Status s = LoadText(f_, Join(tokens_, k));
    ASSERT_FALSE(s.ok()) << "cut after " << k;
    EXPECT_THAT(s.message(), HasSubstr("record ends early")) << "cut after " << k;
  }
  EXPECT_EQ(SaveText(f_), good_);
}

TEST_F(EnsembleBadStateTest, GarbledNumbersFail) {
  for (std::size_t i = 0; i < tokens_.size(); i += 7) {
    const Status s = LoadText(f_, With(i, "x"));
    ASSERT_FALSE(s.ok()) << "number " << i;
    EXPECT_THAT(s.message(), HasSubstr("'x' is not a")) << "number " << i;
  }
  ExpectRefused(good_ + " 0", "unexpected data at the end");
  EXPECT_EQ(SaveText(f_), good_);
}

TEST_F(EnsembleBadStateTest, HeaderMustMatchTheSettings) {
  ExpectRefused(With(0, "3"), "saved state has format version 3, this build reads version 2");
  ExpectRefused(With(0, "0"), "saved state has format version 0, this build reads version 2");
  ExpectRefused(With(1, "288"),
                "saved state is for seasons of 288 and 168 steps and a horizon of 3, this "
                "model has 24, 168 and 3");
  ExpectRefused(With(3, "1"), "a horizon of 1, this model has 24, 168 and 3");
  ExpectRefused(With(layout_.detector, "25"), "season detector saved for lags 25 and 168");
}

TEST_F(EnsembleBadStateTest, BadMemberRecordsFail) {
  // The first model's own record (Holt's model) with another format version.
  ExpectRefused(With(layout_.nested[0] + 1, "3"),
                "auto: holt-winters: saved state has format version 3, this build reads "
                "version 2");
  // The percentile's record for another kind.
  ExpectRefused(With(layout_.nested[7] + 2, "0"),
                "auto: percentile: saved state is for another kind of naive forecast");
  // A nested length that runs past the record, or is negative.
  ExpectRefused(With(layout_.nested[0], "100000"), "record ends early");
  ExpectRefused(With(layout_.nested[0], "-3"), "bad record length -3");
  // A nested length one short leaves a value of the model's record outside it.
  ExpectRefused(With(layout_.nested[5], std::to_string(std::stoul(tokens_[layout_.nested[5]]) - 1)),
                "record ends early");
  // A model marked absent that this ensemble runs.
  ExpectRefused(With(layout_.has[1], "0"), "saved models do not match this one's");
  ExpectRefused(With(layout_.pending[0], "4"), "pending forecasts do not fit the horizon");
  ExpectRefused(With(layout_.pending[0], "-1"), "pending forecasts do not fit the horizon");
  const std::size_t errors = layout_.pending[2] + 1 + std::stoul(tokens_[layout_.pending[2]]);
  ExpectRefused(With(errors, "-1"), "member errors out of range");
  ExpectRefused(With(errors + 1, "nan"), "member errors out of range");
  ExpectRefused(With(errors + 2, "-5"), "member errors out of range");
  // The median member's scores, last in the record.
  const std::size_t median = layout_.pending.back();
  ExpectRefused(With(median, "4"), "pending forecasts do not fit the horizon");
  ExpectRefused(With(median + 1 + std::stoul(tokens_[median]), "-1"), "member errors out of range");
}

TEST(EnsembleStateTest, LoadsAFormatOneRecordWithTheMedianScoredAfresh) {
  // Format 1 had no median member: its record is format 2's without the median's
  // scores. It loads, every model as saved, and the median is scored from then on.
  EnsembleForecaster original(HourlyOptions(3));
  std::mt19937 rng(4);
  Feed(original, GappyWeekend, 0, 400, rng);
  std::vector<std::string> t = Tokens(SaveText(original));
  // The median's scores: a full ring of 3 pending forecasts, then three figures.
  const std::size_t median = t.size() - 7;
  ASSERT_EQ(t[median], "3");
  t.resize(median);
  t[0] = "1";
  EnsembleForecaster loaded(HourlyOptions(3));
  const Status s = LoadText(loaded, Join(t, t.size()));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(loaded.MemberError(2), 0.0);
  for (int m : {0, 1, 3, 4}) EXPECT_EQ(loaded.MemberError(m), original.MemberError(m)) << m;
  EXPECT_EQ(loaded.primary(), 0);  // until the median has been scored
  ForecastResult a, b;
  original.Forecast(3, 0.9, a);
  loaded.Forecast(3, 0.9, b);
  EXPECT_EQ(a.members[2].point, b.members[2].point);  // its forecast needs no history
  for (int v = 0; v < 50; ++v) loaded.Observe(100.0);
  EXPECT_GT(loaded.MemberError(2), 0.0);
}

TEST(EnsembleStateTest, MismatchedStepFails) {
  // A record saved at 5-minute steps, loaded by a model at hourly steps.
  EnsembleForecaster::Options five = HourlyOptions(3);
  five.daily_period = 288;
  five.weekly_period = 2016;
  EnsembleForecaster saved(five);
  for (int t = 0; t < 100; ++t) saved.Observe(t % 17);
  EnsembleForecaster loading(HourlyOptions(3));
  for (int t = 0; t < 30; ++t) loading.Observe(t % 5);
  const std::string before = SaveText(loading);
  const Status s = LoadText(loading, SaveText(saved));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "auto: saved state is for seasons of 288 and 2016 steps and a horizon of 3, this "
            "model has 24, 168 and 3");
  EXPECT_EQ(SaveText(loading), before);
}

// ---------------------------------------------------------------- the registry

Result<std::unique_ptr<Forecaster>> CreateAuto(
    std::vector<std::pair<std::string, std::string>> params, double step_s = 3600,
    int horizon = 1) {
  Params p;
  for (auto& [key, value] : params) p.Set(key, value);
  return Forecasters().Create("auto", p, ForecasterContext{Duration(step_s), horizon});
}

TEST(EnsembleRegistryTest, CreatesWithTheStepAndHorizon) {
  Result<std::unique_ptr<Forecaster>> f = CreateAuto({}, 3600, 6);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ((*f)->name(), "auto");
  auto* ensemble = dynamic_cast<EnsembleForecaster*>(f->get());
  ASSERT_NE(ensemble, nullptr);
  // The record's header carries the seasons and the horizon the step gave.
  EXPECT_EQ(Join(Tokens(SaveText(*ensemble)), 4), "2 24 168 6");

  Result<std::unique_ptr<Forecaster>> five = CreateAuto({}, 300, 0);  // horizon 0 -> 1
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(Join(Tokens(SaveText(**five)), 4), "2 288 2016 1");

  Result<std::unique_ptr<Forecaster>> set = CreateAuto(
      {{"alpha", "0.5"}, {"robust_k", "0"}, {"recent_window", "10"}, {"spread_halflife", "50"}});
  ASSERT_TRUE(set.ok()) << set.status().message();
  // recent_window reaches the recent-max member: a peak 9 steps back still counts.
  for (int t = 0; t < 20; ++t) (*set)->Observe(t == 10 ? 500.0 : 100.0);
  ForecastResult out;
  (*set)->Forecast(1, 0.9, out);
  EXPECT_EQ(out.members[3].point[0], 500.0);
}

struct AutoBadParamCase {
  std::string test_name;
  std::string key;
  std::string value;
  std::string message;  // the whole error
};

void PrintTo(const AutoBadParamCase& c, std::ostream* os) { *os << c.test_name; }

class EnsembleBadParamTest : public testing::TestWithParam<AutoBadParamCase> {};

TEST_P(EnsembleBadParamTest, FailsNamingTheKey) {
  const AutoBadParamCase& c = GetParam();
  Result<std::unique_ptr<Forecaster>> f = CreateAuto({{c.key, c.value}});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EnsembleBadParamTest,
    testing::Values(
        AutoBadParamCase{"UnknownKey", "recent_windw", "3",
                         "'recent_windw' is not a known key (did you mean 'recent_window'?); "
                         "known: alpha beta gamma damped spread_halflife robust_k "
                         "recent_window"},
        AutoBadParamCase{"WeeklyIsFoundNotSet", "weekly", "true",
                         "'weekly' is not a known key; known: alpha beta gamma damped "
                         "spread_halflife robust_k recent_window"},
        AutoBadParamCase{"RecentWindowZero", "recent_window", "0",
                         "'recent_window' must be in [1, 10000], got 0"},
        AutoBadParamCase{"RecentWindowTooLarge", "recent_window", "10001",
                         "'recent_window' must be in [1, 10000], got 10001"},
        AutoBadParamCase{"RecentWindowNotWhole", "recent_window", "2.5",
                         "'recent_window' expects a whole number, got '2.5'"},
        AutoBadParamCase{"RobustKBelowOne", "robust_k", "0.5",
                         "'robust_k' must be 0 (off) or in [1, 100], got 0.5"},
        AutoBadParamCase{"RobustKNegative", "robust_k", "-1",
                         "'robust_k' must be 0 (off) or in [1, 100], got -1"},
        AutoBadParamCase{"RobustKTooLarge", "robust_k", "101",
                         "'robust_k' must be 0 (off) or in [1, 100], got 101"},
        AutoBadParamCase{"RobustKNotANumber", "robust_k", "big",
                         "'robust_k' expects a number, got 'big'"},
        AutoBadParamCase{"AlphaZero", "alpha", "0", "'alpha' must be in (0, 1], got 0"},
        AutoBadParamCase{"HalflifeZero", "spread_halflife", "0",
                         "'spread_halflife' must be > 0 (points), got 0"}),
    [](const testing::TestParamInfo<AutoBadParamCase>& case_info) {
      return case_info.param.test_name;
    });

TEST(EnsembleRegistryTest, NeedsAPositiveStep) {
  Result<std::unique_ptr<Forecaster>> f = CreateAuto({}, 0);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "auto needs a step > 0 s, got 0");
}

}  // namespace
}  // namespace prescale
