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
// The correlations average over about six seasons of pairs: fewer estimate a
// correlation between two smooth series too loosely.
constexpr double kHalflifeSeasons = 6;

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

EwCorrelation::EwCorrelation(double halflife_pairs)
    : log_keep_(-std::log(2.0) / halflife_pairs), expm1_keep_(std::expm1(log_keep_)) {
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
  const double w = count_ == 0 ? 1.0 : expm1_keep_ / std::expm1(n * log_keep_);
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

SeasonDetector::Lag::Lag(int l)
    : lag(l),
      deviations(static_cast<std::size_t>(std::max(l, 1))),
      corr(kHalflifeSeasons * std::max(l, 1)) {}

void SeasonDetector::Lag::Observe(double y, double leaving) {
  if (lag <= 0) return;
  // 1. The trailing window: the newest value in, the one `lag` steps back out.
  if (!std::isnan(y)) {
    sum += y;
    ++seen;
  }
  if (!std::isnan(leaving)) {
    sum -= leaving;
    --seen;
  }
  // 2. The deviation from the window's mean, once half a season is known.
  double deviation = kMissing;
  if (!std::isnan(y) && 2 * seen >= lag) deviation = y - sum / static_cast<double>(seen);
  // 3. Paired with the deviation a season before.
  if (deviations.full()) {
    const double before = deviations.Oldest();
    if (!std::isnan(before) && !std::isnan(deviation)) corr.Add(before, deviation);
  }
  deviations.Push(deviation);
}

SeasonDetector::SeasonDetector(int daily_lag, int weekly_lag)
    : daily_lag_(daily_lag),
      weekly_lag_(weekly_lag),
      history_(static_cast<std::size_t>(std::max({daily_lag, weekly_lag, 1}))),
      daily_(daily_lag),
      weekly_(weekly_lag) {
  assert(daily_lag >= 0 && weekly_lag >= 0);
}

void SeasonDetector::Observe(std::optional<double> value) {
  const double y = value && std::isfinite(*value) ? *value : kMissing;
  // The value `lag` steps before this one leaves that lag's window (NaN before the
  // history reaches back that far).
  auto leaving = [this](int lag) {
    return lag > 0 && static_cast<std::size_t>(lag) <= history_.size()
               ? history_.Back(static_cast<std::size_t>(lag - 1))
               : kMissing;
  };
  daily_.Observe(y, leaving(daily_lag_));
  weekly_.Observe(y, leaving(weekly_lag_));
  history_.Push(y);
}

Seasonality SeasonDetector::season() const {
  // Half a season of deviations paired (about two seasons of data) before a lag can
  // speak.
  auto repeats = [](const Lag& l) {
    return l.lag > 0 && 2 * l.corr.count() >= l.lag && l.corr.Value() >= kMinCorrelation;
  };
  const bool daily = repeats(daily_);
  const bool weekly =
      repeats(weekly_) &&
      (daily_lag_ == 0 || weekly_.corr.Value() >= daily_.corr.Value() + kWeeklyMargin);
  if (weekly) return Seasonality::kWeekly;
  return daily ? Seasonality::kDaily : Seasonality::kNone;
}

void SeasonDetector::SaveLag(StateWriter& w, const Lag& l) const {
  w.Double(l.sum);
  w.Int(l.seen);
  w.Int(static_cast<std::int64_t>(l.deviations.size()));
  for (std::size_t i = 0; i < l.deviations.size(); ++i) w.Double(l.deviations[i]);
  l.corr.Save(w);
}

void SeasonDetector::LoadLag(StateReader& r, Lag& l) {
  const double sum = r.Double();
  const std::int64_t seen = r.Int();
  const std::int64_t n = r.Int();
  if (!r.ok()) return;
  if (!std::isfinite(sum) || seen < 0 || seen > std::max(l.lag, 0) || n < 0 ||
      static_cast<std::size_t>(n) > l.deviations.capacity()) {
    r.Fail("season detector window out of range");
    return;
  }
  l.sum = sum;
  l.seen = seen;
  l.deviations.Clear();
  for (std::int64_t i = 0; i < n && r.ok(); ++i) {
    const double v = r.Double();
    if (std::isinf(v)) r.Fail("season detector deviation is infinite");
    l.deviations.Push(v);
  }
  l.corr.Load(r);
}

void SeasonDetector::Save(StateWriter& w) const {
  w.Int(daily_lag_);
  w.Int(weekly_lag_);
  w.Int(static_cast<std::int64_t>(history_.size()));
  for (std::size_t i = 0; i < history_.size(); ++i) w.Double(history_[i]);
  SaveLag(w, daily_);
  SaveLag(w, weekly_);
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
  LoadLag(r, daily_);
  LoadLag(r, weekly_);
}

}  // namespace prescale
