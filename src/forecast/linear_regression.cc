#include "forecast/linear_regression.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 1;

}  // namespace

LinearRegressionForecaster::LinearRegressionForecaster(const Options& options)
    : options_(options),
      points_(static_cast<std::size_t>(options.window)),
      spread_(options.spread_halflife),
      // Recomputing costs O(window); doing it every 4 windows (and at least every 256
      // steps, so a small window also sheds drift) keeps Observe O(1) amortised.
      recentre_every_(std::max<std::int64_t>(256, 4 * std::int64_t{options.window})) {
  assert(options.window >= 2);
}

void LinearRegressionForecaster::Observe(std::optional<double> value) {
  ++now_;
  if (!value.has_value() || !std::isfinite(*value)) return;
  const double y = *value;

  // 1. Record the residual of the forecast the current window makes for this step.
  if (!points_.empty()) spread_.Add(y - ValueAt(Fit(), now_));

  // 2. Slide the window: drop the oldest value, then add the new one.
  if (points_.full()) {
    const Point& old = points_.Oldest();
    const double dx = static_cast<double>(old.x - origin_);
    const double dy = old.y - y_origin_;
    sum_x_ -= dx;
    sum_y_ -= dy;
    sum_xx_ -= dx * dx;
    sum_xy_ -= dx * dy;
  }
  points_.Push(Point{now_, y});
  if (points_.size() == 1 || now_ - origin_ >= recentre_every_) {
    Recentre();
    return;
  }
  const double dx = static_cast<double>(now_ - origin_);
  const double dy = y - y_origin_;
  sum_x_ += dx;
  sum_y_ += dy;
  sum_xx_ += dx * dx;
  sum_xy_ += dx * dy;
}

void LinearRegressionForecaster::Recentre() {
  origin_ = now_;
  double mean = 0;
  for (std::size_t i = 0; i < points_.size(); ++i) mean += points_[i].y;
  y_origin_ = mean / static_cast<double>(points_.size());
  sum_x_ = sum_y_ = sum_xx_ = sum_xy_ = 0;
  for (std::size_t i = 0; i < points_.size(); ++i) {
    const double dx = static_cast<double>(points_[i].x - origin_);
    const double dy = points_[i].y - y_origin_;
    sum_x_ += dx;
    sum_y_ += dy;
    sum_xx_ += dx * dx;
    sum_xy_ += dx * dy;
  }
}

LinearRegressionForecaster::Line LinearRegressionForecaster::Fit() const {
  assert(!points_.empty());
  const double n = static_cast<double>(points_.size());
  const double mean_x = sum_x_ / n;
  const double mean_y = sum_y_ / n;
  // Centred second moments; the x values are distinct whole steps, so with n >= 2
  // sxx >= n * (n^2 - 1) / 12 > 0.
  const double sxx = sum_xx_ - n * mean_x * mean_x;
  const double sxy = sum_xy_ - n * mean_x * mean_y;
  if (points_.size() < 2 || sxx <= 0) return Line{mean_y, 0.0};
  const double slope = sxy / sxx;
  return Line{mean_y - slope * mean_x, slope};
}

double LinearRegressionForecaster::ValueAt(const Line& line, std::int64_t x) const {
  return y_origin_ + line.intercept + line.slope * static_cast<double>(x - origin_);
}

void LinearRegressionForecaster::Forecast(int horizon, double quantile, ForecastResult& out) const {
  assert(horizon >= 1);
  SizeForecast(horizon, out);
  out.model = name();
  out.quantile = quantile;
  out.ready = !points_.empty();
  if (!out.ready) {
    for (int h = 0; h < horizon; ++h) out.point[h] = out.upper[h] = 0.0;
    return;
  }
  const Line line = Fit();
  for (int h = 1; h <= horizon; ++h) out.point[h - 1] = ValueAt(line, now_ + h);
  spread_.FillUpper(quantile, out);
}

void LinearRegressionForecaster::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(options_.window);
  w.Int(now_);
  w.Ring(points_, [](StateWriter& sw, const Point& p) {
    sw.Int(p.x);
    sw.Double(p.y);
  });
  w.Int(origin_);
  w.Double(y_origin_);
  w.Double(sum_x_);
  w.Double(sum_y_);
  w.Double(sum_xx_);
  w.Double(sum_xy_);
  spread_.Save(w);
}

Status LinearRegressionForecaster::Load(StateReader& r) {
  return LoadWhole(
      *this, LinearRegressionForecaster(options_), [&r](auto& m) { return m.ReadState(r); },
      "linear");
}

Status LinearRegressionForecaster::ReadState(StateReader& r) {
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  if (Status s = r.ReadSize(options_.window, "values", "model"); !s.ok()) return s;
  now_ = r.Int();
  r.Ring(points_, [](StateReader& sr) {
    Point p;
    p.x = sr.Int();
    p.y = sr.Double();
    return p;
  });
  origin_ = r.Int();
  y_origin_ = r.Double();
  sum_x_ = r.Double();
  sum_y_ = r.Double();
  sum_xx_ = r.Double();
  sum_xy_ = r.Double();
  spread_.Load(r);
  if (!r.ok()) return r.Finish();

  // The window's indices are distinct past steps in order (Fit relies on distinct x),
  // its values finite, and the origin a step already seen.
  if (now_ < -1 || now_ > kMaxSavedCount)
    r.Fail("interval index " + std::to_string(now_) + " out of range");
  std::int64_t previous = -1;
  for (std::size_t i = 0; i < points_.size() && r.ok(); ++i) {
    const Point& p = points_[i];
    if (p.x <= previous || p.x > now_ || !std::isfinite(p.y)) {
      r.Fail("window point " + std::to_string(i) + " out of order or not finite");
    }
    previous = p.x;
  }
  if (origin_ < 0 || origin_ > std::max<std::int64_t>(now_, 0)) {
    r.Fail("origin " + std::to_string(origin_) + " out of range");
  }
  return r.Finish();
}

}  // namespace prescale
