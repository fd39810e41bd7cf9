#include "forecast/naive.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 1;
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

}  // namespace

NaiveForecaster::NaiveForecaster(const Options& options)
    : options_(options),
      recent_(static_cast<std::size_t>(options.window)),
      spread_(options.spread_halflife) {
  assert(options.window >= 1);
  assert(options.kind != Kind::kSeasonal || options.window >= 2);
  assert(options.level >= 0 && options.level <= 1);
  if (options.kind == Kind::kPercentile) sorted_.reserve(recent_.capacity());
}

std::string_view NaiveForecaster::name() const {
  switch (options_.kind) {
    case Kind::kLast:
      return "naive";
    case Kind::kRecentMax:
      return "recent-max";
    case Kind::kSeasonal:
      return "seasonal-naive";
    case Kind::kPercentile:
      return "percentile";
  }
  return "naive";
}

double NaiveForecaster::PointAt(int h) const {
  switch (options_.kind) {
    case Kind::kLast:
      return last_;
    case Kind::kRecentMax: {
      double best = -std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < recent_.size(); ++i) {
        if (!std::isnan(recent_[i]) && recent_[i] > best) best = recent_[i];
      }
      return std::isfinite(best) ? best : last_;
    }
    case Kind::kSeasonal: {
      // y[t + h - k m] with the smallest k that reaches the past: j = k m - h steps
      // before the newest value.
      const int m = options_.window;
      const int k = (h + m - 1) / m;
      const auto j = static_cast<std::size_t>(k * m - h);
      if (!recent_.full() || std::isnan(recent_.Back(j))) return last_;
      return recent_.Back(j);
    }
    case Kind::kPercentile: {
      if (sorted_.empty()) return last_;
      // The nearest-rank quantile (Hyndman & Fan 1996, definition 1): rank ceil(level n).
      // In doubles level n can land just above the whole number it stands for (0.55 *
      // 100 is 55.000000000000007), which would take the next value up; its rounding
      // error is below 1e-11 for any window allowed, so the slack cannot skip a rank.
      const auto n = sorted_.size();
      auto k = static_cast<std::size_t>(std::ceil(options_.level * static_cast<double>(n) - 1e-9));
      return sorted_[k == 0 ? 0 : std::min(k, n) - 1];
    }
  }
  return last_;
}

void NaiveForecaster::Push(double v) {
  if (options_.kind == Kind::kPercentile) {
    const bool leaves = recent_.full() && !std::isnan(recent_.Oldest());
    if (leaves && !std::isnan(v)) {
      // One value in, one out: shift only the values between the two, not the
      // whole tail twice.
      auto out = std::lower_bound(sorted_.begin(), sorted_.end(), recent_.Oldest());
      if (v >= *out) {
        auto in = std::upper_bound(out, sorted_.end(), v);
        std::move(out + 1, in, out);
        *(in - 1) = v;
      } else {
        auto in = std::upper_bound(sorted_.begin(), out, v);
        std::move_backward(in, out, out + 1);
        *in = v;
      }
    } else {
      if (leaves) sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), recent_.Oldest()));
      if (!std::isnan(v)) sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), v), v);
    }
  }
  recent_.Push(v);
}

void NaiveForecaster::Observe(std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) {
    Push(kMissing);
    return;
  }
  // The one-step residual of the forecast made before this value.
  if (observed_ > 0) spread_.Add(*value - PointAt(1));
  Push(*value);
  last_ = *value;
  ++observed_;
}

void NaiveForecaster::Forecast(int horizon, double quantile, ForecastResult& out) const {
  assert(horizon >= 1);
  SizeForecast(horizon, out);
  out.model = name();
  out.ready = observed_ >= 2;
  if (options_.kind == Kind::kSeasonal) {
    for (int h = 1; h <= horizon; ++h) out.point[h - 1] = observed_ > 0 ? PointAt(h) : 0.0;
  } else {
    // The same value at every step ahead: found once (the percentile's rank, the
    // recent maximum's scan).
    std::fill(out.point.begin(), out.point.end(), observed_ > 0 ? PointAt(1) : 0.0);
  }
  spread_.FillUpper(quantile, out);
}

void NaiveForecaster::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(static_cast<std::int64_t>(options_.kind));
  w.Int(options_.window);
  w.Int(static_cast<std::int64_t>(recent_.size()));
  for (std::size_t i = 0; i < recent_.size(); ++i) w.Double(recent_[i]);
  w.Int(observed_);
  w.Double(last_);
  spread_.Save(w);
}

Status NaiveForecaster::Load(StateReader& r) {
  return LoadWhole(
      *this, NaiveForecaster(options_), [&r](auto& m) { return m.ReadState(r); }, name());
}

Status NaiveForecaster::ReadState(StateReader& r) {
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  const std::int64_t kind = r.Int();
  if (!r.ok()) return r.Finish();
  if (kind != static_cast<std::int64_t>(options_.kind)) {
    return Status::Error("saved state is for another kind of naive forecast");
  }
  if (Status s = r.ReadSize(options_.window, "steps", "forecaster"); !s.ok()) return s;
  const std::int64_t n = r.Int();
  if (!r.ok()) return r.Finish();
  if (n < 0 || n > options_.window) {
    return Status::Error("saved window of " + std::to_string(n) +
                         " values does not fit a window of " + std::to_string(options_.window));
  }
  for (std::int64_t i = 0; i < n && r.ok(); ++i) {
    // A missing value is saved as NaN and must read back as one; any other value
    // must be finite.
    Push(r.Double());
  }
  observed_ = r.Int();
  last_ = r.Double();
  spread_.Load(r);
  if (!r.ok()) return r.Finish();
  if (observed_ < 0 || observed_ > kMaxSavedCount) r.Fail("count of values out of range");
  if (!std::isfinite(last_)) r.Fail("last value is not finite");
  for (std::size_t i = 0; i < recent_.size(); ++i) {
    if (std::isinf(recent_[i])) r.Fail("a saved value is infinite");
  }
  return r.Finish();
}

}  // namespace prescale
