// EnsembleForecaster ("auto"): prescale's default forecaster. It runs several models
// side by side, finds the series' season from the data, and hands the policy every
// member's forecast, so that the policy can size with whichever serves it best.
//
// Members, in this order (kMembers):
//   0 "holt-winters"    Holt-Winters (holt_winters.h) with the season the data shows:
//                       none (Holt's damped trend), daily, or daily + weekly;
//   1 "seasonal-naive"  the value one season back (daily, or weekly when the series
//                       is weekly; naive.h);
//   2 "median"          step by step, the median of the Holt-Winters member, the
//                       seasonal-naive member and the last value (naive.h), its
//                       band's half-width the median of theirs: three forecasts
//                       that err in different ways (smoothed, a season back, the
//                       newest value), combined so that it is never further off
//                       than the worst of them and one wayward model cannot move
//                       it (bench/RESULTS.md: Alibaba's CPU costs 2.6 % less);
//   3 "recent-max"      the largest of the last few values;
//   4 "percentile"      the 99th percentile of the last thousand values (Crane's
//                       percentile predictor: what serves bursts no forecast sees).
// All run on every value, so each is warm when the season or the choice changes.
//
// Season. A SeasonDetector (season_detector.h) tests the autocorrelation at a day and
// at a week. Holt-Winters runs as three models, one per season, and the member is the
// one whose season was found (and has started: a daily season needs a day of data,
// a weekly one a week), so a series without a season is not forced into one, and a
// weekly one gets its weekend. With little history the member is Holt's model: the
// reactive floor of the policy covers the cold start.
//
// Choice by rolling-origin backtest. Every model's forecast `horizon` steps ahead
// (the provisioning horizon, ForecasterContext) is scored against the value that
// arrives, as an exponentially weighted mean absolute error. The primary forecast
// (point/upper/model of the result: what logs, decisions and plots show, and what a
// single-forecast policy uses) is the member with the lowest error; `prescale
// backtest` prints the same scores as MASE.
//
// Missing values reach every model as missing. Observe is O(1) (about ten small
// models); Forecast is O(horizon) per member and does not allocate once `out` has
// its members. Memory O(a week of steps). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "forecast/holt_winters.h"
#include "forecast/naive.h"
#include "forecast/season_detector.h"
#include "prescale/forecaster.h"

namespace prescale {

class EnsembleForecaster final : public Forecaster {
 public:
  static constexpr int kMembers = 5;
  static constexpr std::array<std::string_view, kMembers> kMemberNames = {
      "holt-winters", "seasonal-naive", "median", "recent-max", "percentile"};

  struct Options {
    // Smoothing for the three Holt-Winters models; their seasons are set here.
    HoltWintersForecaster::Options holt_winters;
    int daily_period = 0;     // steps per day; 0 = no daily season at this step
    int weekly_period = 0;    // steps per week; 0 = none. A multiple of daily_period
                              // when both are set
    int recent_window = 3;    // values in recent-max
    int percentile_window = 1000;  // values in percentile
    int horizon_steps = 1;    // the provisioning horizon scored. REQUIRES: >= 1
    double spread_halflife = 100;
    double error_halflife = 500;  // points, for the members' errors
  };

  explicit EnsembleForecaster(const Options& options);

  std::string_view name() const override { return "auto"; }
  void Observe(std::optional<double> value) override;
  // Fills out.members[0..kMembers) and the primary forecast.
  void Forecast(int horizon, double quantile, ForecastResult& out) const override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

  Seasonality season() const { return season_; }
  const SeasonDetector& detector() const { return detector_; }
  // The member the primary forecast comes from.
  int primary() const;
  // A member's mean absolute error at the horizon; 0 before it has been scored.
  double MemberError(int member) const;
  // What the Holt-Winters member is now: "holt-winters" (no season),
  // "holt-winters daily" or "holt-winters weekly".
  std::string_view HoltWintersModel() const;

 private:
  // The models behind the members.
  enum Model { kHoltNone, kHoltDaily, kHoltWeekly, kSnaiveDaily, kSnaiveWeekly, kNaive,
               kRecentMax, kPercentile, kModels };
  struct Scored {
    std::unique_ptr<Forecaster> model;  // null when the step rules the season out
    RingBuffer<double> pending{1};      // its forecasts for the next `horizon` steps
    // Its forecast after the newest value, at the horizon and the quantile the last
    // Forecast() asked for: Forecast() copies it rather than forecasting again.
    ForecastResult latest;
    double sum_abs = 0, weight = 0;     // exponentially weighted |error| at the horizon
    std::int64_t scored = 0;
  };

  // The model that member `m` is now (the last value, for the median).
  Model ModelOf(int member) const;
  // Member `m`'s forecasts and errors.
  const Scored& ScoredOf(int member) const {
    return member == kMedianMember ? median_ : models_[ModelOf(member)];
  }
  // Writes into `out`, which holds the last value's forecast, the median member's:
  // step by step, the median of the ready ones among `hw`, `snaive` and `out`.
  static void Combine(const ForecastResult& hw, const ForecastResult& snaive, ForecastResult& out);
  double Error(const Scored& s) const { return s.weight > 0 ? s.sum_abs / s.weight : 0.0; }
  // Scores the forecast `s` made a horizon ago against `value`, the value seen now.
  void Score(Scored& s, double value) const;
  Status ReadState(StateReader& r);
  // A member's pending forecasts and errors, in its record.
  static void WriteScores(StateWriter& w, const Scored& s);
  static void ReadScores(StateReader& r, Scored& s);

  Options options_;
  double error_keep_;
  SeasonDetector detector_;
  Seasonality season_ = Seasonality::kNone;  // the detector's verdict, once per value
  std::array<Scored, kModels> models_;
  static constexpr int kMedianMember = 2;
  Scored median_;                  // no model of its own: its forecasts come from Combine
  mutable double quantile_ = 0.9;  // the quantile Forecast() was last asked for (a policy
                           // asks for the same one every time)
};

}  // namespace prescale
