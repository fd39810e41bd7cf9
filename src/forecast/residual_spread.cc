#include "forecast/residual_spread.h"

#include <array>
#include <cassert>
#include <cmath>
#include <limits>

namespace prescale {

double NormalQuantile(double p) {
  // P. J. Acklam, "An algorithm for computing the inverse normal cumulative
  // distribution function" (2003): a rational approximation in the central region
  // and one in each tail, on a transformed variable.
  static constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                  -2.759285104469687e+02, 1.383577518672690e+02,
                                  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                  -1.556989798598866e+02, 6.680131188771972e+01,
                                  -1.328068155288572e+01};
  static constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                  -2.400758277161838e+00, -2.549732539343734e+00,
                                  4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                  2.445134137142996e+00, 3.754408661907416e+00};
  static constexpr double kLow = 0.02425;
  static constexpr double kHigh = 1 - kLow;

  if (std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();

  double x;
  if (p < kLow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
        ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
  } else if (p <= kHigh) {
    double q = p - 0.5;
    double r = q * q;
    x = (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
        (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
        ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
  }

  // One step of Halley's method on Phi(x) - p, with Phi from erfc (accurate in both
  // tails), as Acklam suggests: it takes the error to machine precision.
  static constexpr double kSqrt2 = 1.4142135623730951;
  static constexpr double kSqrt2Pi = 2.5066282746310002;
  double e = 0.5 * std::erfc(-x / kSqrt2) - p;
  double u = e * kSqrt2Pi * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

ResidualSpread::ResidualSpread(double halflife_points) : decay_(std::exp2(-1.0 / halflife_points)) {
  assert(halflife_points > 0);
}

void ResidualSpread::Add(double residual) {
  if (!std::isfinite(residual)) return;
  // Normalising by the running weight makes this an exact weighted mean from the first
  // residual on; the weight converges to 1 / (1 - decay).
  sum_abs_ = decay_ * sum_abs_ + std::fabs(residual);
  weight_ = decay_ * weight_ + 1;
  ++count_;
}

double ResidualSpread::Z(double quantile) const {
  // The median (a point forecast's own level) needs no quantile function.
  if (quantile == 0.5) return 0;
  if (quantile != cached_quantile_) {
    cached_z_ = NormalQuantile(quantile);
    cached_quantile_ = quantile;
  }
  return cached_z_;
}

void ResidualSpread::FillUpper(double quantile, ForecastResult& out) const {
  assert(out.upper.size() == out.point.size());
  assert(quantile >= 0.5 && quantile < 1);
  out.quantile = quantile;
  const double scale = Z(quantile) * Sigma();  // 0 for the median
  // sqrt(h) from a table for the horizons policies ask for (every model, every step).
  static const auto kRoots = [] {
    std::array<double, 64> r{};
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = std::sqrt(static_cast<double>(i + 1));
    return r;
  }();
  for (std::size_t i = 0; i < out.point.size(); ++i) {
    const double root = i < kRoots.size() ? kRoots[i] : std::sqrt(static_cast<double>(i + 1));
    out.upper[i] = out.point[i] + scale * root;
  }
}

void ResidualSpread::Save(StateWriter& w) const {
  w.Double(sum_abs_);
  w.Double(weight_);
  w.Int(count_);
}

void ResidualSpread::Load(StateReader& r) {
  const double sum_abs = r.Double();
  const double weight = r.Double();
  const std::int64_t count = r.Int();
  if (!r.ok()) return;
  // !(x >= 0) also catches NaN.
  if (!(sum_abs >= 0) || !(weight >= 0) || count < 0 || count > kMaxSavedCount) {
    r.Fail("residual spread out of range");
    return;
  }
  sum_abs_ = sum_abs;
  weight_ = weight;
  count_ = count;
}

void SizeForecast(int horizon, ForecastResult& out) {
  assert(horizon >= 1);
  const auto n = static_cast<std::size_t>(horizon);
  if (out.point.size() != n) out.point.resize(n);
  if (out.upper.size() != n) out.upper.resize(n);
}

}  // namespace prescale
