// Forecaster: predicts a series h steps ahead, with an upper bound for provisioning.
//
// A forecaster sees one value per decision interval, on a regular grid, in the
// series' own units (load in units/s, or utilisation in [0, 1]). A missing value
// (std::nullopt) still advances time: seasonal models keep their phase and do not
// learn from it. Forecasts are for steps 1..horizon after the last observed value.
// Not thread-safe: one forecaster belongs to one controller.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "prescale/clock.h"
#include "prescale/registry.h"
#include "prescale/state_codec.h"

namespace prescale {

// Forecasts for steps 1..n ahead; index h - 1 holds step h. Reused across calls so
// that forecasting does not allocate.
struct ForecastResult {
  std::vector<double> point;  // expected value
  std::vector<double> upper;  // the requested upper quantile
  double quantile = 0.9;      // the level of `upper`
  bool ready = false;         // false while the model is still warming up
  // The model behind point/upper ("holt-winters daily", "naive", ...): static text.
  std::string_view model;
  // An ensemble's members, each a whole forecast of its own (see forecast/ensemble.h);
  // empty for a single model. point/upper/model then repeat the member the ensemble
  // rates best.
  std::vector<ForecastResult> members;

  int horizon() const { return static_cast<int>(point.size()); }
  // The largest upper bound over the horizon: what capacity must cover.
  double PeakUpper() const;
  double PeakPoint() const;
};

class Forecaster {
 public:
  virtual ~Forecaster() = default;
  virtual std::string_view name() const = 0;

  // Feeds the value of the newest interval (nullopt = missing).
  virtual void Observe(std::optional<double> value) = 0;

  // Fills `out` for steps 1..horizon with the point forecast and its `quantile`
  // upper bound (from the spread of the model's recent residuals).
  // REQUIRES: horizon >= 1, 0.5 <= quantile < 1.
  virtual void Forecast(int horizon, double quantile, ForecastResult& out) const = 0;

  // Durable state: what the model has learned, so a restart keeps its history.
  // Load() reads what Save() wrote for the same settings; on error the caller
  // starts the model fresh.
  virtual void Save(StateWriter& w) const = 0;
  virtual Status Load(StateReader& r) = 0;
};

struct ForecasterContext {
  Duration step{60};      // spacing of the series
  int horizon_steps = 1;  // the horizon the forecasts are used at (for scoring models)
};

using ForecasterRegistry = Registry<Forecaster, ForecasterContext>;
// The built-in forecasters: "auto" (an ensemble that finds the season), "holt-winters",
// "linear", "naive", "percentile", "recent-max", "seasonal-naive".
const ForecasterRegistry& Forecasters();

}  // namespace prescale
