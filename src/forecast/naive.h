// The simple benchmark forecasts of FPP3 (Hyndman & Athanasopoulos, "Forecasting:
// Principles and Practice", 3rd ed., section 5.2), plus a recent maximum:
//
//   "naive"           every step ahead is the last value seen (a random walk's
//                     forecast: what a reactive autoscaler assumes);
//   "recent-max"      the largest of the last `window` values (default 3): a
//                     persistence forecast that does not drop on one quiet interval,
//                     for series whose dips are deeper than their peaks are high;
//   "seasonal-naive"  step h ahead is the value one season before it,
//                     y[t + h - k m] with the smallest k that reaches the past, m a
//                     day of steps (or a week, with `weekly`);
//   "percentile"      every step ahead is the `level` quantile (default 0.99) of the
//                     last `window` values (default 1000): Crane's percentile
//                     predictor (gocrane/crane), and what a static allocation sized
//                     on recent history does. For bursts too sudden and too frequent
//                     for any forecast, holding their size is the only way to serve
//                     them.
//
// They are the members an ensemble ("auto", ensemble.h) weighs Holt-Winters against:
// on some series nothing beats them. Each keeps the last values it needs in a ring
// (NaN where a value was missing) and falls back on the last value seen where the
// ring has nothing (a missing value, or less than a season of history). The upper
// bound comes from the model's own one-step residuals (ResidualSpread), as for every
// forecaster. O(1) per Observe except recent-max (O(window)); Forecast is O(horizon)
// (O(horizon * window) for recent-max) and does not allocate once `out` has the
// right size; percentile keeps its window sorted too, so an Observe costs
// O(window) in moves (a few hundred nanoseconds for a thousand values). Not
// thread-safe.
//
// Saved state (format 1), in order: the format version, the kind, the window (the
// ring's capacity, which the settings fix), the ring's size, its values oldest first
// (NaN where missing), the count of values seen, the last value seen, and the
// residual spread. Load fails on a record for another kind or window.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "forecast/residual_spread.h"
#include "prescale/forecaster.h"
#include "prescale/time_series.h"

namespace prescale {

class NaiveForecaster final : public Forecaster {
 public:
  enum class Kind { kLast, kRecentMax, kSeasonal, kPercentile };
  struct Options {
    Kind kind = Kind::kLast;
    int window = 1;                // kRecentMax, kPercentile: values in the max or the
                                   // quantile; kSeasonal: the season in steps.
                                   // REQUIRES: >= 1 (>= 2 for kSeasonal)
    double spread_halflife = 100;  // points; see ResidualSpread. REQUIRES: > 0
    double level = 0.99;           // kPercentile: the quantile. REQUIRES: in [0, 1]
  };

  explicit NaiveForecaster(const Options& options);

  std::string_view name() const override;
  void Observe(std::optional<double> value) override;
  void Forecast(int horizon, double quantile, ForecastResult& out) const override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

  std::int64_t observed() const { return observed_; }
  const ResidualSpread& spread() const { return spread_; }

 private:
  // The point forecast h steps after the newest value. REQUIRES: observed_ > 0.
  double PointAt(int h) const;
  // Adds a step's value (NaN = missing) to the window.
  void Push(double v);
  Status ReadState(StateReader& r);

  Options options_;
  RingBuffer<double> recent_;  // the last `window` steps, NaN where missing
  std::vector<double> sorted_;  // kPercentile: the values of recent_ but NaN, sorted
  std::int64_t observed_ = 0;  // values seen (not missing)
  double last_ = 0;            // the newest value seen
  ResidualSpread spread_;
};

}  // namespace prescale
