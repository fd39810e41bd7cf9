#include "forecast/season_detector.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

#include "forecast/residual_spread.h"

namespace prescale {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
// The correlations average over about three seasons of pairs.
constexpr double kHalflifeSeasons = 3;

}  // namespace

std::string_view SeasonalityName(Seasonality s) {
  switch (s) {
    case Seasonality::kNone:
      return "none";
    case Seasonality::kDaily:
      return "daily";
    case Seasonality::kWeekly:
      return "weekly";
  }
  return "none";
}

EwCorrelation::EwCorrelation(double halflife_pairs) : log_keep_(-std::log(2.0) / halflife_pairs) {
  assert(halflife_pairs > 0);
}

void EwCorrelation::Add(double x, double y) {
  // West's (1979) weighted update of means and co-moments, with exponential weights.
  // The new pair's share is its weight over the total, 1 / (1 + keep + ... +
  // keep^(n-1)) = (1 - keep) / (1 - keep^n) for the n-th pair: normalised like this,
  // the moments are exact weighted ones from the first pair on. A fixed share of
  // 1 - keep would leave the first pair keep^(n-1) of the weight (still 0.8 after a
  // season of pairs), so that one odd first pair would set the correlation for weeks.
  const double n = static_cast<double>(count_ + 1);
  const double w = count_ == 0 ? 1.0 : std::expm1(log_keep_) / std::expm1(n * log_keep_);
  const double dx = x - mean_x_;
  const double dy = y - mean_y_;
  mean_x_ += w * dx;
  mean_y_ += w * dy;
  var_x_ = (1 - w) * (var_x_ + w * dx * dx);
  var_y_ = (1 - w) * (var_y_ + w * dy * dy);
  cov_ = (1 - w) * (cov_ + w * dx * dy);
  ++count_;
}

double EwCorrelation::Value() const {
  const double denom = std::sqrt(var_x_ * var_y_);
  if (!(denom > 0)) return 0;
  return std::clamp(cov_ / denom, -1.0, 1.0);
}

void EwCorrelation::Save(StateWriter& w) const {
  for (double v : {mean_x_, mean_y_, var_x_, var_y_, cov_}) w.Double(v);
  w.Int(count_);
}

void EwCorrelation::Load(StateReader& r) {
  double v[5];
  for (double& x : v) x = r.Double();
  const std::int64_t count = r.Int();
  if (!r.ok()) return;
  if (!std::all_of(std::begin(v), std::end(v), [](double x) { return std::isfinite(x); }) ||
      v[2] < 0 || v[3] < 0 || count < 0 || count > kMaxSavedCount) {
    r.Fail("correlation moments out of range");
    return;
  }
  mean_x_ = v[0];
  mean_y_ = v[1];
  var_x_ = v[2];
  var_y_ = v[3];
  cov_ = v[4];
  count_ = count;
}

SeasonDetector::SeasonDetector(int daily_lag, int weekly_lag)
    : daily_lag_(daily_lag),
      weekly_lag_(weekly_lag),
      history_(static_cast<std::size_t>(std::max({daily_lag, weekly_lag, 1}))),
      daily_(kHalflifeSeasons * std::max(daily_lag, 1)),
      weekly_(kHalflifeSeasons * std::max(weekly_lag, 1)) {
  assert(daily_lag >= 0 && weekly_lag >= 0);
}

double SeasonDetector::Back(int lag) const {
  // history_.Back(0) is the newest value already pushed; lag steps before the value
  // being observed is Back(lag - 1).
  if (lag <= 0 || static_cast<std::size_t>(lag) > history_.size()) return kMissing;
  return history_.Back(static_cast<std::size_t>(lag - 1));
}

void SeasonDetector::Observe(std::optional<double> value) {
  const double y = value && std::isfinite(*value) ? *value : kMissing;
  if (!std::isnan(y)) {
    if (double x = Back(daily_lag_); !std::isnan(x)) daily_.Add(x, y);
    if (double x = Back(weekly_lag_); !std::isnan(x)) weekly_.Add(x, y);
  }
  history_.Push(y);
}

Seasonality SeasonDetector::season() const {
  // One full season of pairs (two seasons of data) before a lag can speak.
  const bool daily = daily_lag_ > 0 && daily_.count() >= daily_lag_ &&
                     daily_.Value() >= kMinCorrelation;
  const bool weekly = weekly_lag_ > 0 && weekly_.count() >= weekly_lag_ &&
                      weekly_.Value() >= kMinCorrelation &&
                      (daily_lag_ == 0 || weekly_.Value() >= daily_.Value() + kWeeklyMargin);
  if (weekly) return Seasonality::kWeekly;
  return daily ? Seasonality::kDaily : Seasonality::kNone;
}

void SeasonDetector::Save(StateWriter& w) const {
  w.Int(daily_lag_);
  w.Int(weekly_lag_);
  w.Int(static_cast<std::int64_t>(history_.size()));
  for (std::size_t i = 0; i < history_.size(); ++i) w.Double(history_[i]);
  daily_.Save(w);
  weekly_.Save(w);
}

void SeasonDetector::Load(StateReader& r) {
  const std::int64_t d = r.Int();
  const std::int64_t wk = r.Int();
  const std::int64_t n = r.Int();
  if (!r.ok()) return;
  if (d != daily_lag_ || wk != weekly_lag_) {
    r.Fail("season detector saved for lags " + std::to_string(d) + " and " +
           std::to_string(wk) + ", this one has " + std::to_string(daily_lag_) + " and " +
           std::to_string(weekly_lag_));
    return;
  }
  if (n < 0 || static_cast<std::size_t>(n) > history_.capacity()) {
    r.Fail("season detector history of " + std::to_string(n) + " values does not fit");
    return;
  }
  history_.Clear();
  for (std::int64_t i = 0; i < n && r.ok(); ++i) {
    const double v = r.Double();
    if (std::isinf(v)) r.Fail("season detector history holds an infinite value");
    history_.Push(v);
  }
  daily_.Load(r);
  weekly_.Load(r);
}

}  // namespace prescale
