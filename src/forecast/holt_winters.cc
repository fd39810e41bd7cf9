#include "forecast/holt_winters.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prescale {
namespace {

constexpr double kSecondsPerDay = 86400;
constexpr double kSecondsPerWeek = 7 * kSecondsPerDay;
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t kStateVersion = 2;
// The newest day's weight in a step of the day's spread: a burst that came at this
// time on each of the last few days keeps the band wide there.
constexpr double kDailySpreadWeight = 0.3;
// Residuals seen before the clip applies: its scale needs a few to mean anything.
constexpr std::int64_t kRobustAfter = 10;

// round(period / step) when it lies in [2, max], else 0.
int PeriodSteps(double period_s, Duration step, int max) {
  const double step_s = step.count();
  if (!(step_s > 0) || !std::isfinite(step_s)) return 0;
  const double m = std::round(period_s / step_s);
  return m >= 2 && m <= max ? static_cast<int>(m) : 0;
}

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Fills the NaN entries of a circular series (a season's slots) by linear
// interpolation between the nearest values on either side, wrapping around. Returns
// false, changing nothing, when every entry is NaN.
bool FillGapsCircular(std::vector<double>& v) {
  const int n = static_cast<int>(v.size());
  int first = 0;
  while (first < n && std::isnan(v[first])) ++first;
  if (first == n) return false;
  int prev = first;
  for (int k = 1; k <= n; ++k) {
    const int i = (first + k) % n;
    if (std::isnan(v[i])) continue;
    const int gap = i > prev ? i - prev : i + n - prev;  // n when only one value
    for (int j = 1; j < gap; ++j) {
      v[(prev + j) % n] = v[prev] + (v[i] - v[prev]) * j / gap;
    }
    prev = i;
  }
  return true;
}

// "a daily season of 288 steps", "no weekly season".
std::string DescribeSeason(std::string_view kind, std::int64_t period) {
  if (period == 0) return "no " + std::string(kind) + " season";
  return "a " + std::string(kind) + " season of " + std::to_string(period) + " steps";
}

// Reads what StateWriter::Doubles wrote into `v`, which must already have the
// saved length: the length is checked before anything is read or allocated.
void ReadArray(StateReader& r, std::string_view what, std::vector<double>& v) {
  const std::int64_t n = r.Int();
  if (!r.ok()) return;
  if (n != static_cast<std::int64_t>(v.size())) {
    r.Fail(std::string(what) + " has " + std::to_string(n) + " values, expected " +
           std::to_string(v.size()));
    return;
  }
  for (double& x : v) x = r.Double();
}

}  // namespace

int HoltWintersForecaster::DailyPeriod(Duration step) {
  return PeriodSteps(kSecondsPerDay, step, kMaxDailyPeriod);
}

int HoltWintersForecaster::WeeklyPeriod(Duration step) {
  const int daily = DailyPeriod(step);
  // Nested in the daily season, so that slot i of the week is slot i mod m1 of the day.
  if (daily > 0) return 7 * daily;
  return PeriodSteps(kSecondsPerWeek, step, kMaxWeeklyPeriod);
}

HoltWintersForecaster::HoltWintersForecaster(const Options& options)
    : options_(options), spread_(options.spread_halflife) {
  assert(options.alpha > 0 && options.alpha <= 1);
  assert(options.beta >= 0 && options.beta <= 1);
  assert(options.gamma >= 0 && options.gamma <= 1);
  assert(options.phi > 0 && options.phi <= 1);
  assert(options.daily_period == 0 || options.daily_period >= 2);
  assert(options.weekly_period == 0 || options.weekly_period >= 2);
  assert(options.daily_period == 0 || options.weekly_period % options.daily_period == 0);
  daily_.index.assign(static_cast<std::size_t>(options.daily_period), kMissing);
  daily_spread_.assign(static_cast<std::size_t>(options.daily_period), kMissing);
  weekly_.index.assign(static_cast<std::size_t>(options.weekly_period), kMissing);
  levels_.assign(static_cast<std::size_t>(std::max(options.daily_period, options.weekly_period)),
                 0.0);
}

void HoltWintersForecaster::Observe(std::optional<double> value) {
  const double phi = options_.phi;
  if (!value.has_value() || !std::isfinite(*value)) {
    // The model sees nothing: it moves by its own prediction and learns nothing.
    if (observed_ > 0) {
      level_ += phi * trend_;
      trend_ *= phi;
    }
    if (daily_.enabled() && !daily_.ready) daily_.index[daily_.phase] = kMissing;
    if (weekly_.enabled() && !weekly_.ready) weekly_.index[weekly_.phase] = kMissing;
    Advance();
    return;
  }

  const double y = *value;
  if (observed_ == 0) {
    // Start at the first value with no trend: a trend from the first two points of a
    // noisy series would linger for 1 / (alpha beta) steps.
    level_ = y;
    trend_ = 0;
  } else {
    // 1. The one-step forecast made before seeing y, and its residual.
    double* d = daily_.ready ? &daily_.index[daily_.phase] : nullptr;
    double* w = weekly_.ready ? &weekly_.index[weekly_.phase] : nullptr;
    const double forecast = level_ + phi * trend_ + (d ? *d : 0.0) + (w ? *w : 0.0);
    const double raw = y - forecast;
    // 2. Robust filtering (Gelper, Fried & Croux 2010, "Robust forecasting with
    //    exponential and Holt-Winters smoothing", J. Forecasting 29): the model learns
    //    from the residual clipped at `robust_k` of its usual size (Huber's psi), so
    //    a spike or a glitch moves the level and the seasonal index by a bounded
    //    step and cannot write itself into every future day. The spread sees the raw
    //    residual, so a lasting shift widens the clip and is followed within a few
    //    steps.
    const double clip = options_.robust_k * spread_.Sigma();
    const double e = options_.robust_k > 0 && spread_.count() >= kRobustAfter && clip > 0
                         ? std::clamp(raw, -clip, clip)
                         : raw;
    spread_.Add(raw);
    if (!daily_spread_.empty()) {
      double& s = daily_spread_[static_cast<std::size_t>(daily_.phase)];
      s = std::isnan(s) ? std::fabs(raw) : s + kDailySpreadWeight * (std::fabs(raw) - s);
    }
    // 3. Error-correction updates (see the header for the component form).
    const double previous_level = level_;
    level_ += phi * trend_ + options_.alpha * e;
    trend_ = phi * trend_ + options_.beta * (LevelSlope(previous_level) - phi * trend_);
    const double season_gain = options_.gamma * (1 - options_.alpha);
    if (d) *d += season_gain * e;
    if (w) *w += season_gain * e;
  }
  ++observed_;
  // 4. Collect the raw values of a season that has not started yet.
  if (daily_.enabled() && !daily_.ready) daily_.index[daily_.phase] = y;
  if (weekly_.enabled() && !weekly_.ready) weekly_.index[weekly_.phase] = y;
  Advance();
}

double HoltWintersForecaster::LevelSlope(double previous_level) const {
  if (trend_span_ == 1) return level_ - previous_level;
  int back = level_pos_ - trend_span_;
  if (back < 0) back += static_cast<int>(levels_.size());
  return (level_ - levels_[back]) / trend_span_;
}

void HoltWintersForecaster::Advance() {
  if (!levels_.empty()) {
    levels_[level_pos_] = level_;
    if (++level_pos_ == static_cast<int>(levels_.size())) level_pos_ = 0;
  }
  // The daily season goes first: at the end of a week both wrap, and the weekly start
  // needs to know whether the daily season runs.
  if (daily_.enabled() && ++daily_.phase == daily_.period()) {
    daily_.phase = 0;
    if (!daily_.ready) StartDaily();
  }
  if (weekly_.enabled() && ++weekly_.phase == weekly_.period()) {
    weekly_.phase = 0;
    if (!weekly_.ready) StartWeekly();
  }
}

void HoltWintersForecaster::RestartTrend(int span) {
  // The history starts flat at the new level, so the trend rebuilds from 0 over the
  // next season.
  std::fill(levels_.begin(), levels_.end(), level_);
  trend_span_ = span;
}

void HoltWintersForecaster::StartDaily() {
  // The first full day has just ended; slot i holds y at step i (or NaN).
  std::vector<double>& y = daily_.index;
  if (!FillGapsCircular(y)) return;  // nothing seen: collect the next day instead
  // One season cannot tell a trend from the seasonal shape, so the indices are the
  // deviations from the day's mean, the level is that mean, and the trend restarts
  // at 0: what Holt's model took for a trend during the day was mostly its shape.
  const double mean = Mean(y);
  for (double& s : y) s -= mean;
  level_ = mean;
  trend_ = 0;
  RestartTrend(daily_.period());
  daily_.ready = true;
}

void HoltWintersForecaster::StartWeekly() {
  // The first full week has just ended; slot i holds y at step i (or NaN). A
  // classical additive decomposition of that week, as StartDaily does for a day.
  std::vector<double>& y = weekly_.index;
  if (!FillGapsCircular(y)) return;  // nothing seen: collect the next week instead
  const int m2 = weekly_.period();
  const double mean = Mean(y);
  // 1. The daily profile over the week (mean over the days of each slot) replaces the
  //    daily indices learnt online during it, which had to share the weekly swing
  //    with the level.
  const int m1 = daily_.ready ? daily_.period() : 1;
  if (daily_.ready) {
    const int days = m2 / m1;
    std::fill(daily_.index.begin(), daily_.index.end(), 0.0);
    for (int i = 0; i < m2; ++i) daily_.index[i % m1] += y[i];
    for (double& p : daily_.index) p = p / days - mean;
  }
  // 2. The weekly index starts as the offset of its day's mean (weekday against
  //    weekend), flat within the day: one week is a single sample per slot, and at
  //    minute steps that noise would sit in every forecast for weeks. The shape within
  //    the day is learnt online. With no daily season each slot is its own day.
  for (int start = 0; start < m2; start += m1) {
    const auto first = y.begin() + start;
    const double offset = std::accumulate(first, first + m1, 0.0) / m1 - mean;
    std::fill(first, first + m1, offset);
  }
  level_ = mean;
  trend_ = 0;
  RestartTrend(m2);
  weekly_.ready = true;
}

void HoltWintersForecaster::Forecast(int horizon, double quantile, ForecastResult& out) const {
  assert(horizon >= 1);
  SizeForecast(horizon, out);
  out.model = name();
  out.quantile = quantile;
  out.ready = observed_ >= 2;
  if (observed_ == 0) {
    for (int h = 0; h < horizon; ++h) out.point[h] = out.upper[h] = 0.0;
    return;
  }
  const double phi = options_.phi;
  const int m1 = daily_.period();
  const int m2 = weekly_.period();
  int p1 = daily_.phase;
  int p2 = weekly_.phase;
  // With the daily season running, the band is the time of day's own (see the
  // header): the h-step error sums h one-step errors, whose sizes are those of their
  // steps of the day, so its variance is the sum of theirs.
  const bool daily_band = daily_.ready && quantile != 0.5;
  const double z = daily_band ? spread_.ZSigma(quantile) : 0;
  const double overall = spread_.MeanAbs();
  double sum_squares = 0;
  double damping = 1;  // phi^h
  double damped = 0;   // phi + phi^2 + ... + phi^h
  for (int h = 0; h < horizon; ++h) {
    damping *= phi;
    damped += damping;
    double y = level_ + damped * trend_;
    if (daily_.ready) y += daily_.index[p1];
    if (weekly_.ready) y += weekly_.index[p2];
    out.point[h] = y;
    if (daily_band) {
      const double a = daily_spread_[static_cast<std::size_t>(p1)];
      const double step = std::isnan(a) ? overall : a;
      sum_squares += step * step;
      out.upper[h] = y + z * std::sqrt(sum_squares);
    }
    if (m1 > 0 && ++p1 == m1) p1 = 0;
    if (m2 > 0 && ++p2 == m2) p2 = 0;
  }
  if (!daily_band) spread_.FillUpper(quantile, out);
}

void HoltWintersForecaster::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(daily_.period());
  w.Int(weekly_.period());
  w.Int(observed_);
  w.Double(level_);
  w.Double(trend_);
  for (const Season* season : {&daily_, &weekly_}) {
    w.Int(season->phase);
    w.Bool(season->ready);
    w.Doubles(season->index);
  }
  w.Doubles(levels_);
  w.Int(level_pos_);
  w.Int(trend_span_);
  spread_.Save(w);
  w.Doubles(daily_spread_);
}

Status HoltWintersForecaster::Load(StateReader& r) {
  return LoadWhole(
      *this, HoltWintersForecaster(options_), [&r](auto& m) { return m.ReadState(r); },
      "holt-winters");
}

Status HoltWintersForecaster::ReadState(StateReader& r) {
  // 1. The format, then the season lengths that the settings fix.
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  const std::int64_t m1 = r.Int();
  const std::int64_t m2 = r.Int();
  if (!r.ok()) return r.Finish();
  if (m1 != daily_.period()) {
    return Status::Error("saved state is for " + DescribeSeason("daily", m1) + ", this model has " +
                         DescribeSeason("daily", daily_.period()));
  }
  if (m2 != weekly_.period()) {
    return Status::Error("saved state is for " + DescribeSeason("weekly", m2) +
                         ", this model has " + DescribeSeason("weekly", weekly_.period()));
  }

  // 2. The model, in Save's order.
  observed_ = r.Int();
  level_ = r.Double();
  trend_ = r.Double();
  // The phase is checked below, before it is narrowed into the season.
  auto read_season = [&r](std::string_view what, Season& season) {
    const std::int64_t phase = r.Int();
    season.ready = r.Bool();
    ReadArray(r, what, season.index);
    return phase;
  };
  const std::int64_t p1 = read_season("the daily season", daily_);
  const std::int64_t p2 = read_season("the weekly season", weekly_);
  ReadArray(r, "the level history", levels_);
  const std::int64_t level_pos = r.Int();
  const std::int64_t trend_span = r.Int();
  spread_.Load(r);
  ReadArray(r, "the daily spread", daily_spread_);
  if (!r.ok()) return r.Finish();
  for (double s : daily_spread_) {
    if (!std::isnan(s) && !(s >= 0 && std::isfinite(s))) {
      r.Fail("a daily spread is negative or infinite");
      break;
    }
  }

  // 3. The counters must be what some run of the model reaches, since Observe and
  //    Forecast index the seasons and the level history with them. All three
  //    positions are the same step count t: the phases are t mod m, and level_pos_ is
  //    t mod the longest season.
  if (observed_ < 0 || observed_ > kMaxSavedCount)
    r.Fail("count of " + std::to_string(observed_) + " values out of range");
  if ((m1 == 0 ? p1 != 0 : p1 < 0 || p1 >= m1) || (m2 == 0 ? p2 != 0 : p2 < 0 || p2 >= m2) ||
      (m1 > 0 && m2 > 0 && p1 != p2 % m1) || level_pos != (m2 > 0 ? p2 : p1)) {
    r.Fail("season phases " + std::to_string(p1) + ", " + std::to_string(p2) +
           " and level position " + std::to_string(level_pos) + " do not agree");
  }
  if ((m1 == 0 && daily_.ready) || (m2 == 0 && weekly_.ready)) {
    r.Fail("a season that does not run is marked started");
  }
  // A season's length is at least 2, and no longer than the level history.
  if (trend_span != 1 && !(trend_span > 1 && (trend_span == m1 || trend_span == m2))) {
    r.Fail("trend span of " + std::to_string(trend_span) + " steps is not 1 or a season");
  }
  if (!r.ok()) return r.Finish();
  daily_.phase = static_cast<int>(p1);
  weekly_.phase = static_cast<int>(p2);
  level_pos_ = static_cast<int>(level_pos);
  trend_span_ = static_cast<int>(trend_span);
  return r.Finish();
}

}  // namespace prescale
