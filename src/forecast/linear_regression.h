// LinearRegressionForecaster ("linear"): seed 1's forecaster. An ordinary least
// squares line through the last `window` observed values, extrapolated h steps ahead.
//
// Time is the interval index: every Observe call, missing or not, is one step. A
// missing (or non-finite) value is skipped: it is not added to the window, but the
// steps after it keep their true distance in time, so a gap does not bend the line.
// Forecasts are for the 1..horizon steps after the newest interval observed.
//
// With no observed value the forecaster is not ready (point and upper are 0). With
// one, it forecasts that value flat. Forecasts are not clamped: a falling line can go
// below 0, and the caller decides what that means for its units.
//
// Cost: O(1) per Observe (running sums over a RingBuffer; see Recentre for the
// amortised O(window) clean-up) and O(horizon) per Forecast, which does not allocate
// once `out` has the right size. Not thread-safe.
//
// Saved state (format 1), in order: the format version, the window capacity, the
// newest interval index, the window's (index, value) pairs oldest first, the origin
// and the four running sums exactly as they stand (recomputing them would round
// differently), and the residual spread. Load fails on a record for another window.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "forecast/residual_spread.h"
#include "prescale/forecaster.h"
#include "prescale/time_series.h"

namespace prescale {

class LinearRegressionForecaster final : public Forecaster {
 public:
  struct Options {
    int window = 10;               // observed values in the fit; REQUIRES: >= 2
    double spread_halflife = 100;  // points; see ResidualSpread. REQUIRES: > 0
  };

  explicit LinearRegressionForecaster(const Options& options);

  std::string_view name() const override { return "linear"; }
  void Observe(std::optional<double> value) override;
  void Forecast(int horizon, double quantile, ForecastResult& out) const override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

  // Observed values currently in the fit (at most `window`).
  int size() const { return static_cast<int>(points_.size()); }
  const ResidualSpread& spread() const { return spread_; }

 private:
  struct Point {
    std::int64_t x;  // interval index
    double y;
  };
  struct Line {
    double intercept;  // at x = origin_, relative to y_origin_
    double slope;      // per step
  };

  // The least squares line of the window. REQUIRES: !points_.empty().
  Line Fit() const;
  // The fitted value at interval x. REQUIRES: !points_.empty().
  double ValueAt(const Line& line, std::int64_t x) const;
  // Moves the origin of the running sums to the newest interval and the mean value,
  // and recomputes the sums from the window. Keeps x and y small in the sums (so
  // Sxx - Sx^2/n does not cancel) and clears the rounding drift that add-and-remove
  // accumulates. Runs once per recentre_every_ steps, so O(1) amortised.
  void Recentre();
  // Reads a record into this (fresh) instance and checks it; Load commits on success.
  Status ReadState(StateReader& r);

  Options options_;
  RingBuffer<Point> points_;
  ResidualSpread spread_;
  std::int64_t now_ = -1;  // index of the newest interval, -1 before the first
  std::int64_t recentre_every_;
  std::int64_t origin_ = 0;  // x origin of the sums
  double y_origin_ = 0;      // y origin of the sums
  // Sums over the window of dx = x - origin_ and dy = y - y_origin_.
  double sum_x_ = 0;
  double sum_y_ = 0;
  double sum_xx_ = 0;
  double sum_xy_ = 0;
};

}  // namespace prescale
