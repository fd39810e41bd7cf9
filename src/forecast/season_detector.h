// SeasonDetector: does a series repeat daily, weekly, or not at all?
//
// The test is the sample autocorrelation at the lag of one season (FPP3 section
// 2.8: a seasonal series has a large autocorrelation at its seasonal lag), computed
// online over exponentially weighted moments, so it follows a series whose pattern
// comes or goes. It is taken of the series' deviation from its mean over the last
// season (a trailing moving average of one season: a season's shape averages out over
// it, a level or a drift does not), because a drifting series (a random walk, a slow
// trend) correlates with itself a day earlier without any daily pattern, while the
// deviations of a random walk over two disjoint days are nearly independent. A
// deviation needs half a season known before it; a season is found once half a
// season of deviations has been paired with those a season before (about two seasons
// of data: a season is found as soon as it could be on the raw values) and their
// autocorrelation reaches kMinCorrelation. Weekly wins over daily when
// its correlation beats the daily one by kWeeklyMargin: a weekly pattern (weekdays
// against weekends) spoils the daily lag's match on two days a week, while a purely
// daily series correlates about as well at a week as at a day.
//
// Crane (gocrane/crane, its DSP predictor) likewise looks for daily and weekly cycles
// before it forecasts with one, and falls back on a non-seasonal estimate otherwise.
//
// Missing values leave out the pairs and means they are in and nothing else. O(1) per
// value, memory O(longest lag). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "prescale/state_codec.h"
#include "prescale/time_series.h"

namespace prescale {

enum class Seasonality { kNone, kDaily, kWeekly };
std::string_view SeasonalityName(Seasonality s);  // "none", "daily", "weekly"

// Exponentially weighted correlation of (x, y) pairs. The weights are normalised, so
// the first pairs give their plain correlation (no start-up bias, as in
// ResidualSpread). Not thread-safe.
class EwCorrelation {
 public:
  // REQUIRES: halflife_pairs > 0.
  explicit EwCorrelation(double halflife_pairs);
  void Add(double x, double y);
  // In [-1, 1]; 0 until two distinct pairs have been seen.
  double Value() const;
  std::int64_t count() const { return count_; }
  void Save(StateWriter& w) const;
  void Load(StateReader& r);

 private:
  double log_keep_;    // log of the weight an old pair keeps per new pair
  double expm1_keep_;  // that weight - 1
  double mean_x_ = 0, mean_y_ = 0;
  double var_x_ = 0, var_y_ = 0, cov_ = 0;
  std::int64_t count_ = 0;
};

class SeasonDetector {
 public:
  static constexpr double kMinCorrelation = 0.3;
  static constexpr double kWeeklyMargin = 0.05;

  // Lags in steps; 0 = that season cannot exist at this step (see
  // HoltWintersForecaster::DailyPeriod). REQUIRES: lags >= 0.
  SeasonDetector(int daily_lag, int weekly_lag);

  void Observe(std::optional<double> value);
  Seasonality season() const;
  // Of the deviations from the trailing mean, at a day and at a week.
  double daily_correlation() const { return daily_.corr.Value(); }
  double weekly_correlation() const { return weekly_.corr.Value(); }

  void Save(StateWriter& w) const;
  // Fails `r` on a record for other lags or with values out of range.
  void Load(StateReader& r);

 private:
  // One season's test: the trailing mean over the last `lag` values, the
  // deviations from it, and their correlation at `lag`.
  struct Lag {
    explicit Lag(int lag);
    // Takes the newest value (NaN = missing), given the value `lag` steps before it
    // (leaving the window) from the detector's history.
    void Observe(double y, double leaving);
    int lag;
    double sum = 0;         // of the values in the window, and
    std::int64_t seen = 0;  // how many of them are not missing
    RingBuffer<double> deviations;  // the last `lag` deviations, NaN where unknown
    EwCorrelation corr;
  };
  void SaveLag(StateWriter& w, const Lag& l) const;
  void LoadLag(StateReader& r, Lag& l);

  int daily_lag_;
  int weekly_lag_;
  RingBuffer<double> history_;  // the last max(lags) values, NaN where missing
  Lag daily_;
  Lag weekly_;
};

}  // namespace prescale
