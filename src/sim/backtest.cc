#include "sim/backtest.h"

#include <cmath>

#include "forecast/ensemble.h"
#include "prescale/forecaster.h"

namespace prescale {

Result<BacktestReport> ScoreForecasters(const Trace& trace,
                                        const std::vector<PluginSpec>& forecasters,
                                        const BacktestOptions& options) {
  const std::vector<double>& y = trace.values;
  const int n = static_cast<int>(y.size());
  const int h = options.horizon_steps;
  if (h < 1) return Status::Error("the horizon must be at least one step");
  int m = options.season_steps;
  if (m <= 0) {
    int day = static_cast<int>(std::lround(86400.0 / trace.step_s));
    m = (day >= 2 && n >= 2 * day) ? day : 1;
  }
  const int warmup = options.warmup_steps > 0 ? options.warmup_steps : std::max(m, 10);
  // A season back must be known at every origin scored (warm-up >= m), and ten
  // origins at least make a score.
  constexpr int kMinPoints = 10;
  if (n < warmup + h + kMinPoints) {
    return Status::Error("trace " + trace.name + " has " + std::to_string(n) +
                         " rows, too few for a warm-up of " + std::to_string(warmup) +
                         " (a season) and a horizon of " + std::to_string(h) + " with " +
                         std::to_string(kMinPoints) + " forecasts to score");
  }
  const Clock& clock = options.clock ? *options.clock : RealClock::Default();
  // The scale: the in-sample mean absolute error of the seasonal-naive forecast at
  // the same horizon (y[t+h] forecast by y[t+h-m*k], the last value a season back
  // that was known at t).
  auto snaive = [&](int t) {  // forecast of y[t+h] made at t
    int back = m;
    while (back < h) back += m;
    return y[t + h - back];
  };
  double scale = 0;
  int scale_n = 0;
  for (int t = warmup; t + h < n; ++t) {
    scale += std::abs(y[t + h] - snaive(t));
    ++scale_n;
  }
  scale /= scale_n;
  if (scale <= 0) scale = 1e-12;

  BacktestReport report;
  report.scores.push_back(
      ForecastScore{"seasonal-naive", h, static_cast<std::size_t>(scale_n), scale, 1.0, 0, false});
  for (const PluginSpec& spec : forecasters) {
    auto f = Forecasters().Create(spec.type, spec.params,
                                  ForecasterContext{Duration(trace.step_s), h});
    if (!f.ok()) return f.status();
    ForecastResult fc;
    double err = 0;
    std::vector<double> member_err;
    std::size_t count = 0;
    // The forecasts of this forecaster and its members, when kept.
    std::vector<std::vector<double>> kept;
    auto keep = [&](std::size_t column, int t, double v) {
      if (!options.keep_forecasts) return;
      if (kept.size() <= column) kept.resize(column + 1, std::vector<double>(n - h, NAN));
      kept[column][t] = v;
    };
    const MonotonicPoint start = clock.Monotonic();
    for (int t = 0; t + h < n; ++t) {
      (*f)->Observe(y[t]);
      (*f)->Forecast(h, 0.9, fc);
      if (t < warmup) continue;
      err += std::abs(y[t + h] - fc.point[h - 1]);
      keep(0, t, fc.point[h - 1]);
      member_err.resize(fc.members.size());
      for (std::size_t i = 0; i < fc.members.size(); ++i) {
        member_err[i] += std::abs(y[t + h] - fc.members[i].point[h - 1]);
        keep(i + 1, t, fc.members[i].point[h - 1]);
      }
      ++count;
    }
    const double seconds = (clock.Monotonic() - start).count() / (n - h);
    const double mae = err / count;
    report.scores.push_back(ForecastScore{spec.type, h, count, mae, mae / scale, seconds, false});
    for (std::size_t i = 0; i < member_err.size(); ++i) {
      const double e = member_err[i] / count;
      report.scores.push_back(ForecastScore{spec.type + "/" + std::string(fc.members[i].model), h,
                                            count, e, e / scale, 0, true});
    }
    for (auto& column : kept) report.forecasts.push_back(std::move(column));
    if (const auto* ensemble = dynamic_cast<const EnsembleForecaster*>(f->get())) {
      report.season = std::string(SeasonalityName(ensemble->season()));
      report.daily_correlation = ensemble->detector().daily_correlation();
      report.weekly_correlation = ensemble->detector().weekly_correlation();
    }
  }
  return report;
}

}  // namespace prescale
