// Forecast accuracy at the provisioning horizon, the way `prescale backtest`
// reports it: each forecaster runs over the trace one point at a time (rolling
// origin, no lookahead), and its h-step-ahead error is scaled by the error of the
// seasonal-naive forecast at the same horizon (MASE, Hyndman & Koehler 2006, with
// a seasonal-naive scale as in FPP3 §5.8). An ensemble ("auto") is scored as its
// primary forecast and member by member, so a user sees which model it leant on,
// and the season it found.
#pragma once

#include <string>
#include <vector>

#include "prescale/clock.h"
#include "prescale/params.h"
#include "prescale/status.h"
#include "sources/trace.h"

namespace prescale {

struct ForecastScore {
  std::string forecaster;   // registry name; for a member, "auto/<member model>"
  int horizon_steps = 0;
  std::size_t points = 0;   // forecasts scored
  double mae = 0;           // mean |actual - forecast| at the horizon, in load units
  double mase = 0;          // mae / the seasonal-naive scale (< 1: better than it)
  double seconds_per_update = 0;  // one Observe plus one Forecast (0 for members)
  bool member = false;      // a member of the forecaster listed before it
};

struct BacktestOptions {
  int horizon_steps = 4;
  int season_steps = 0;     // 0: a day of steps when the trace spans two days, else 1
  int warmup_steps = 0;     // 0: one season (or 10 steps)
  // Times the updates; null = the real clock.
  const Clock* clock = nullptr;
  bool keep_forecasts = false;  // fill BacktestReport::forecasts
};

struct BacktestReport {
  std::vector<ForecastScore> scores;  // seasonal-naive's scale first
  // What the ensemble, if one was scored, found: "daily", and the autocorrelations.
  std::string season;
  double daily_correlation = 0;
  double weekly_correlation = 0;
  // With keep_forecasts: forecasts[i][t] is scores[i + 1]'s forecast of y[t + h] made
  // at row t (NaN before the warm-up ends), for every t with t + h in the trace.
  std::vector<std::vector<double>> forecasts;
};

// Scores the seasonal-naive forecast itself and each of `forecasters` (by registry
// name and settings). REQUIRES: the trace is longer than warm-up + horizon.
Result<BacktestReport> ScoreForecasters(const Trace& trace,
                                        const std::vector<PluginSpec>& forecasters,
                                        const BacktestOptions& options);

}  // namespace prescale
