// HoltWintersForecaster ("holt-winters"): additive Holt-Winters exponential smoothing
// with a damped trend and a daily season, optionally double seasonal (daily + weekly),
// updated online in O(1) per point.
//
// The model (additive error-correction form, Hyndman & Athanasopoulos, "Forecasting:
// Principles and Practice", 3rd ed. (FPP3), section 8.3, after Holt 1957 and Winters
// 1960; the second seasonal component after Taylor 2003, "Short-term electricity demand
// forecasting using double seasonal exponential smoothing", JORS 54(8)):
//
//   yhat_t  = l + phi b + d[t mod m1] + w[t mod m2]      one-step forecast
//   e       = y_t - yhat_t                               one-step residual
//   l      <- l + phi b + alpha e                        = alpha (y - d - w)
//                                                          + (1 - alpha)(l + phi b)
//   b      <- phi b + beta (slope - phi b)               = beta slope + (1 - beta) phi b
//   d[.]   <- d[.] + gamma (1 - alpha) e                 = gamma (y - l_t - w)
//                                                          + (1 - gamma) d[.]
//   w[.]   <- w[.] + gamma (1 - alpha) e                 (likewise, Taylor's form)
//   yhat_{t+h} = l + (phi + ... + phi^h) b + d[(t+h) mod m1] + w[(t+h) mod m2]
//
// The seasonal update smooths against the new level (Winters' and Taylor's form), so
// any gamma in [0, 1] is admissible. The trend is damped (Gardner & McKenzie 1985) so
// that a long horizon does not run away on a trend learnt from a short ramp.
//
// The trend's slope. Holt's slope is the last step's level change, l_t - l_{t-1}. With
// a season of m steps the model uses the mean change over the last season instead,
// (l_t - l_{t-m}) / m (m = the longest running season), for stability: the classic
// update is not forecastable for long seasons (Hyndman, Koehler, Ord & Snyder 2008,
// "Forecasting with Exponential Smoothing": the eigenvalues of D = F - g h' must lie
// in the unit circle). With alpha 0.3, beta 0.01, gamma 0.2, phi 0.98, D's spectral
// radius is 1 + 4e-6 for m = 288 (a day of 5-minute steps) and 1 + 9e-6 for a week
// of hours, so the state blows up after a few hundred thousand steps. The level's
// change over a whole season is blind to every seasonal harmonic, and the same check
// finds radius 1 for every beta tried (0.01 to 1). On a steady ramp both slopes are
// the same, so the trend converges to the same value. Without a season the slope is
// Holt's.
//
// Seasons. The step fixes them: m1 = round(86400 s / step) when 2 <= m1 <= 20000
// (1-minute to 12-hour steps, roughly), else there is no daily season; with `weekly`,
// m2 = 7 m1 (or round(604800 s / step) when there is no daily season).
//
// Warm-up, without a batch fit. Until a full season has passed the model is Holt's
// linear (level + damped trend) and stores the raw values of that season (gaps
// interpolated). At its end the seasonal indices start as the season's deviations from
// its mean, the level as that mean, and the trend from 0 (one season cannot tell a
// trend from the seasonal shape). The weekly component starts after the first week, by
// a classical decomposition of that week: the daily indices become the week's mean
// daily profile, and each weekly index starts as its day's mean offset (weekday against
// weekend; the detail within the day is learnt online, since one week is one noisy
// sample per slot). Each start costs O(season) once, so Observe is O(1) amortised;
// nothing is ever refitted. Memory is O(m1 + m2).
//
// Missing data (nullopt or a non-finite value): time and the seasonal phases advance,
// nothing is learnt, and the state moves by its own prediction (l <- l + phi b,
// b <- phi b; the ETS treatment of a missing value, whose residual is taken as 0), so
// forecasts after a gap stay aligned in phase and in level.
//
// Forecasts are for the 1..horizon steps after the newest interval observed. `ready`
// once two values have been seen; with one the forecast is that value, flat. The upper
// bound comes from the model's own one-step residuals (ResidualSpread). With a daily
// season running, the spread is the time of day's own: the mean absolute residual of
// the values at that step of the day, exponentially weighted over days (weight 0.3 for
// the newest day), so the band is wide at the hours when the series bursts and narrow
// when it is quiet (a backup at 3 am widens 3 am's band, not the afternoon's); a step
// of the day with no residual yet uses the overall spread. Forecast does not allocate
// once `out` has the right size. Not thread-safe.
//
// Saved state (format 2), in order: the format version; the daily and weekly season
// lengths (0 = none); the values observed, the level and the trend; for the daily
// then the weekly season its phase, whether it has started, and its indices (the raw
// values collected so far while it has not); the level history with its position
// and the trend's span; the residual spread; and the daily spread (NaN where none
// yet). Load fails on a record for other season lengths, so a change of step or of
// `weekly` starts the model fresh, and on format 1 (before the daily spread).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "forecast/residual_spread.h"
#include "prescale/forecaster.h"

namespace prescale {

class HoltWintersForecaster final : public Forecaster {
 public:
  // The defaults and why they suit web and cluster load at 1-minute to 1-hour steps
  // are in builtin.cc, where the params are read.
  struct Options {
    double alpha = 0.3;            // level smoothing, (0, 1]
    double beta = 0.01;            // trend smoothing, [0, 1]
    double gamma = 0.2;            // seasonal smoothing, [0, 1]
    double phi = 0.98;             // trend damping per step, (0, 1]; 1 = undamped
    int daily_period = 0;          // steps per day; 0 = no daily season
    int weekly_period = 0;         // steps per week; 0 = none. REQUIRES: a multiple of
                                   // daily_period when both are set
    double spread_halflife = 100;  // points; see ResidualSpread
    double robust_k = 4;           // clip residuals at k sigma while learning; 0 = off
  };

  // Season lengths for a step, by the rules above; 0 = no such season.
  static constexpr int kMaxDailyPeriod = 20000;
  static constexpr int kMaxWeeklyPeriod = 7 * kMaxDailyPeriod;
  static int DailyPeriod(Duration step);
  static int WeeklyPeriod(Duration step);

  explicit HoltWintersForecaster(const Options& options);

  std::string_view name() const override { return "holt-winters"; }
  void Observe(std::optional<double> value) override;
  void Forecast(int horizon, double quantile, ForecastResult& out) const override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

  // For tests and diagnostics.
  double level() const { return level_; }
  double trend() const { return trend_; }
  bool daily_ready() const { return daily_.ready; }
  bool weekly_ready() const { return weekly_.ready; }
  std::int64_t observed() const { return observed_; }
  const ResidualSpread& spread() const { return spread_; }

 private:
  // One seasonal component. While !ready, `index` holds the raw values of the season
  // being collected (NaN where missing).
  struct Season {
    std::vector<double> index;
    int phase = 0;  // slot of the next interval
    bool ready = false;
    bool enabled() const { return !index.empty(); }
    int period() const { return static_cast<int>(index.size()); }
  };

  // Ends the step: records the level, advances both phases, and starts a season
  // whose first full period has just passed.
  void Advance();
  void StartDaily();
  void StartWeekly();
  // The level's mean change per step over the last trend_span_ steps (the last step
  // when trend_span_ == 1), taking level_ as the new level.
  double LevelSlope(double previous_level) const;
  // Measures the trend over `span` steps from now on.
  void RestartTrend(int span);
  // Reads a record into this (fresh) instance and checks it; Load commits on success.
  Status ReadState(StateReader& r);

  Options options_;
  double level_ = 0;
  double trend_ = 0;
  Season daily_;
  Season weekly_;
  // The level at each of the last max(m1, m2) steps (a ring; level_pos_ is the slot
  // of the current step), for the trend over a season. Empty with no season.
  std::vector<double> levels_;
  int level_pos_ = 0;
  int trend_span_ = 1;         // steps the trend is measured over: 1, or the longest season
  std::int64_t observed_ = 0;  // values seen (not missing)
  ResidualSpread spread_;
  // With a daily season: per step of the day, the EW mean absolute residual of its
  // values (NaN until it has one).
  std::vector<double> daily_spread_;
};

}  // namespace prescale
