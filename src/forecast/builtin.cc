// The built-in forecasters and their factories: each reads and checks its Params, so a
// bad config fails at start with the key, its position and what was expected.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "forecast/ensemble.h"
#include "forecast/holt_winters.h"
#include "forecast/linear_regression.h"
#include "forecast/naive.h"
#include "prescale/forecaster.h"

namespace prescale {
namespace {

using ForecasterResult = Result<std::unique_ptr<Forecaster>>;

// The shortest text that reads back as `v`, with whole numbers written out in full
// ("2000000", not "2e+06"), as a user would have typed them.
std::string FormatNumber(double v) {
  char buf[64];
  const bool whole = std::abs(v) < 1e15 && v == std::trunc(v);
  auto [end, ec] = whole ? std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// "config.yaml:7:3: 'alpha' must be in (0, 1], got 1.5"
Status OutOfRange(const Params& params, std::string_view key, std::string_view rule, double got) {
  return Status::Error(params.Where(key) + "'" + std::string(key) + "' must be " +
                       std::string(rule) + ", got " + FormatNumber(got));
}

// Reads the number `key` and checks lo <= v <= hi (lo < v when !closed_lo).
Status ReadFraction(const Params& params, std::string_view key, double fallback, double lo,
                    bool closed_lo, double hi, double& v) {
  Result<double> r = params.Number(key, fallback);
  if (!r.ok()) return r.status();
  v = *r;
  if ((closed_lo ? v >= lo : v > lo) && v <= hi) return Status::Ok();
  std::string rule =
      std::string(closed_lo ? "in [" : "in (") + FormatNumber(lo) + ", " + FormatNumber(hi) + "]";
  return OutOfRange(params, key, rule, v);
}

Status ReadHalflife(const Params& params, double& v) {
  Result<double> r = params.Number("spread_halflife", 100);
  if (!r.ok()) return r.status();
  v = *r;
  return v > 0 ? Status::Ok() : OutOfRange(params, "spread_halflife", "> 0 (points)", v);
}

// "linear": see linear_regression.h.
//   window           observed values in the least squares fit; default 10, >= 2
//   spread_halflife  half-life of the residual scale, in points; default 100
ForecasterResult MakeLinear(const Params& params, const ForecasterContext& /*context*/) {
  if (Status s = params.CheckKnown({"window", "spread_halflife"}); !s.ok()) return s;
  LinearRegressionForecaster::Options options;
  Result<int> window = params.Integer("window", options.window);
  if (!window.ok()) return window.status();
  if (*window < 2) return OutOfRange(params, "window", ">= 2", *window);
  constexpr int kMaxWindow = 1'000'000;
  if (*window > kMaxWindow) return OutOfRange(params, "window", "<= 1000000", *window);
  options.window = *window;
  if (Status s = ReadHalflife(params, options.spread_halflife); !s.ok()) return s;
  return std::unique_ptr<Forecaster>(std::make_unique<LinearRegressionForecaster>(options));
}

// "holt-winters": see holt_winters.h. The defaults suit web and cluster load at
// 1-minute to 1-hour steps. On the six real traces in shared/traces (1-minute to 1-hour
// steps), scored by mean absolute error against persistence (the last value), they
// were the best of a grid (alpha 0.1-0.7, gamma 0.05-0.4) for 1- and 2-step forecasts
// and within 1 % of it at 4 steps: 0.95 of persistence's error at h = 1 and 0.83 at
// h = 4 (geometric mean over the traces; "linear" with window 10 scores 1.26).
//   alpha = 0.3   level. It forgets in a few steps, so it follows a step or a burst
//                 quickly, yet averages about 6 points of noise (an EWMA of alpha
//                 has the variance of a (2 - alpha) / alpha point mean). Lower alpha
//                 wins only for forecasts 12 or more steps ahead.
//   beta = 0.01   trend. Small on purpose: the slope is measured over a whole season
//                 (see holt_winters.h), so the trend is day-over-day growth and a
//                 burst barely moves it; short ramps are the seasons' job.
//   gamma = 0.2   seasons. Each index is updated once a period, so this is a per-day
//                 (per-week) rate: the seasonal shape follows the last ~5 days (weeks)
//                 with gain gamma (1 - alpha) = 0.14, adapting to a drifting daily
//                 shape without copying one odd day.
//   damped = 0.98 trend damping per step: the trend's total reach is
//                 phi / (1 - phi) = 49 steps, so a long horizon levels off.
//   weekly = false  Taylor's double season (7 days), for traffic with weekends. On
//                 the traces of two weeks or more it cut the 4-step error by about 2 %,
//                 except on NASA (+2 %), where an outage taught it a false weekly
//                 shape that a weekly index unlearns slowly. It needs a full week to
//                 start, and about 8x the memory.
//   spread_halflife = 100  the residual scale follows the last few hundred points.
// The smoothing settings Holt-Winters and "auto" share.
Status ReadSmoothing(const Params& params, HoltWintersForecaster::Options& options) {
  if (Status s = ReadFraction(params, "alpha", options.alpha, 0, false, 1, options.alpha);
      !s.ok()) {
    return s;
  }
  if (Status s = ReadFraction(params, "beta", options.beta, 0, true, 1, options.beta); !s.ok()) {
    return s;
  }
  if (Status s = ReadFraction(params, "gamma", options.gamma, 0, true, 1, options.gamma); !s.ok()) {
    return s;
  }
  if (Status s = ReadFraction(params, "damped", options.phi, 0, false, 1, options.phi); !s.ok()) {
    return s;
  }
  if (Status s = ReadHalflife(params, options.spread_halflife); !s.ok()) return s;
  Result<double> k = params.Number("robust_k", options.robust_k);
  if (!k.ok()) return k.status();
  if (!(*k == 0 || (*k >= 1 && *k <= 100))) {
    return OutOfRange(params, "robust_k", "0 (off) or in [1, 100]", *k);
  }
  options.robust_k = *k;
  return Status::Ok();
}

Status CheckStep(const ForecasterContext& context, std::string_view who) {
  const double step_s = context.step.count();
  if (!(step_s > 0) || !std::isfinite(step_s)) {
    return Status::Error(std::string(who) + " needs a step > 0 s, got " + FormatNumber(step_s));
  }
  return Status::Ok();
}

ForecasterResult MakeHoltWinters(const Params& params, const ForecasterContext& context) {
  if (Status s =
          params.CheckKnown({"alpha", "beta", "gamma", "damped", "weekly", "spread_halflife", "robust_k"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckStep(context, "holt-winters"); !s.ok()) return s;
  HoltWintersForecaster::Options options;
  if (Status s = ReadSmoothing(params, options); !s.ok()) return s;
  Result<bool> weekly = params.Bool("weekly", false);
  if (!weekly.ok()) return weekly.status();

  options.daily_period = HoltWintersForecaster::DailyPeriod(context.step);
  if (*weekly) {
    options.weekly_period = HoltWintersForecaster::WeeklyPeriod(context.step);
    if (options.weekly_period == 0) {
      return Status::Error(params.Where("weekly") + "'weekly' needs 2 to " +
                           std::to_string(HoltWintersForecaster::kMaxWeeklyPeriod) +
                           " steps per week, but the step is " +
                           FormatNumber(context.step.count()) + " s");
    }
  }
  return std::unique_ptr<Forecaster>(std::make_unique<HoltWintersForecaster>(options));
}

// "naive", "recent-max", "seasonal-naive" and "percentile": see naive.h.
//   window           recent-max: values in the max; default 3, 1 to 10000;
//                    percentile: values in the quantile; default 1000, 1 to 100000
//   level            percentile: the quantile; default 0.99
//   weekly           seasonal-naive: a week back instead of a day; default false
//   spread_halflife  half-life of the residual scale, in points; default 100
ForecasterResult MakeNaiveKind(NaiveForecaster::Kind kind, const Params& params,
                               const ForecasterContext& context) {
  NaiveForecaster::Options options;
  options.kind = kind;
  switch (kind) {
    case NaiveForecaster::Kind::kLast:
      if (Status s = params.CheckKnown({"spread_halflife"}); !s.ok()) return s;
      break;
    case NaiveForecaster::Kind::kRecentMax: {
      if (Status s = params.CheckKnown({"window", "spread_halflife"}); !s.ok()) return s;
      Result<int> window = params.Integer("window", 3);
      if (!window.ok()) return window.status();
      if (*window < 1 || *window > 10000) {
        return OutOfRange(params, "window", "in [1, 10000]", *window);
      }
      options.window = *window;
      break;
    }
    case NaiveForecaster::Kind::kPercentile: {
      if (Status s = params.CheckKnown({"window", "level", "spread_halflife"}); !s.ok()) return s;
      Result<int> window = params.Integer("window", 1000);
      if (!window.ok()) return window.status();
      if (*window < 1 || *window > 100000) {
        return OutOfRange(params, "window", "in [1, 100000]", *window);
      }
      options.window = *window;
      if (Status s = ReadFraction(params, "level", 0.99, 0, true, 1, options.level); !s.ok()) {
        return s;
      }
      break;
    }
    case NaiveForecaster::Kind::kSeasonal: {
      if (Status s = params.CheckKnown({"weekly", "spread_halflife"}); !s.ok()) return s;
      if (Status s = CheckStep(context, "seasonal-naive"); !s.ok()) return s;
      Result<bool> weekly = params.Bool("weekly", false);
      if (!weekly.ok()) return weekly.status();
      options.window = *weekly ? HoltWintersForecaster::WeeklyPeriod(context.step)
                               : HoltWintersForecaster::DailyPeriod(context.step);
      if (options.window == 0) {
        return Status::Error(std::string(*weekly ? "a week" : "a day") + " of " +
                             FormatNumber(context.step.count()) +
                             " s steps is no season seasonal-naive can use");
      }
      break;
    }
  }
  if (Status s = ReadHalflife(params, options.spread_halflife); !s.ok()) return s;
  return std::unique_ptr<Forecaster>(std::make_unique<NaiveForecaster>(options));
}

// "auto": see ensemble.h. The Holt-Winters settings above, plus
//   recent_window    values in the recent-max member; default 3
ForecasterResult MakeAuto(const Params& params, const ForecasterContext& context) {
  if (Status s = params.CheckKnown(
          {"alpha", "beta", "gamma", "damped", "spread_halflife", "robust_k", "recent_window"});
      !s.ok()) {
    return s;
  }
  if (Status s = CheckStep(context, "auto"); !s.ok()) return s;
  EnsembleForecaster::Options options;
  if (Status s = ReadSmoothing(params, options.holt_winters); !s.ok()) return s;
  options.spread_halflife = options.holt_winters.spread_halflife;
  Result<int> window = params.Integer("recent_window", options.recent_window);
  if (!window.ok()) return window.status();
  if (*window < 1 || *window > 10000) {
    return OutOfRange(params, "recent_window", "in [1, 10000]", *window);
  }
  options.recent_window = *window;
  options.daily_period = HoltWintersForecaster::DailyPeriod(context.step);
  options.weekly_period = HoltWintersForecaster::WeeklyPeriod(context.step);
  options.horizon_steps = std::max(1, context.horizon_steps);
  return std::unique_ptr<Forecaster>(std::make_unique<EnsembleForecaster>(options));
}

ForecasterRegistry MakeRegistry() {
  ForecasterRegistry registry("forecaster");
  registry.Register("auto", MakeAuto);
  registry.Register("holt-winters", MakeHoltWinters);
  registry.Register("linear", MakeLinear);
  registry.Register("naive", [](const Params& p, const ForecasterContext& c) {
    return MakeNaiveKind(NaiveForecaster::Kind::kLast, p, c);
  });
  registry.Register("recent-max", [](const Params& p, const ForecasterContext& c) {
    return MakeNaiveKind(NaiveForecaster::Kind::kRecentMax, p, c);
  });
  registry.Register("percentile", [](const Params& p, const ForecasterContext& c) {
    return MakeNaiveKind(NaiveForecaster::Kind::kPercentile, p, c);
  });
  registry.Register("seasonal-naive", [](const Params& p, const ForecasterContext& c) {
    return MakeNaiveKind(NaiveForecaster::Kind::kSeasonal, p, c);
  });
  return registry;
}

}  // namespace

const ForecasterRegistry& Forecasters() {
  // Built once, on first use (thread-safe), and read-only after.
  static const ForecasterRegistry registry = MakeRegistry();
  return registry;
}

}  // namespace prescale
