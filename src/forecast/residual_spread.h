// ResidualSpread: the uncertainty of a forecaster, from its own recent one-step errors.
//
// Each forecaster records the residual of every observed value (actual minus the
// one-step forecast it made before seeing it). ResidualSpread keeps a robust scale of
// those residuals in O(1) time and memory, an exponentially weighted mean absolute
// residual, and turns it into the upper quantile of a ForecastResult:
//
//   sigma    = sqrt(pi / 2) * EWMA(|residual|)     (E|e| = sigma * sqrt(2 / pi) for a
//                                                  normal e: the MAD-to-sigma factor)
//   upper[h] = point[h] + z(q) * sigma * sqrt(h)   (random-walk growth of the h-step
//                                                  error, as in FPP3 section 5.5)
//
// The mean absolute residual is less swayed by a single outlier than the RMS, and the
// exponential weighting follows a changing noise level. Not thread-safe.
#pragma once

#include <cstdint>

#include "prescale/forecaster.h"
#include "prescale/state_codec.h"

namespace prescale {

// The standard normal quantile Phi^-1(p): Acklam's rational approximation (relative
// error 1.15e-9), refined by one Halley step on erfc to full double precision.
// Returns -inf for p <= 0, +inf for p >= 1 and NaN for NaN. Pure; thread-safe.
double NormalQuantile(double p);

// The largest count or step index a forecaster's Load accepts: 2^53 steps, far more
// than any run takes, so that counting on from a garbled record cannot overflow.
inline constexpr std::int64_t kMaxSavedCount = std::int64_t{1} << 53;

class ResidualSpread {
 public:
  // sqrt(pi / 2): sigma of a normal variable over its mean absolute value.
  static constexpr double kMeanAbsToSigma = 1.2533141373155003;

  // `halflife_points`: after this many residuals an old residual weighs half as much.
  // REQUIRES: halflife_points > 0.
  explicit ResidualSpread(double halflife_points);

  // Records one residual (actual - forecast) in the series' units. A non-finite
  // residual is ignored.
  void Add(double residual);

  // The number of residuals recorded.
  std::int64_t count() const { return count_; }
  // The weighted mean absolute residual; 0 before the first residual. The weights are
  // normalised, so the first few residuals give their plain mean (no start-up bias).
  double MeanAbs() const { return weight_ > 0 ? sum_abs_ / weight_ : 0.0; }
  double Sigma() const { return kMeanAbsToSigma * MeanAbs(); }

  // Sets out.quantile = quantile and out.upper[h - 1] = out.point[h - 1] +
  // NormalQuantile(quantile) * Sigma() * sqrt(h). Before the first residual the upper
  // bound equals the point forecast. Does not allocate.
  // REQUIRES: out.upper.size() == out.point.size(), 0.5 <= quantile < 1.
  void FillUpper(double quantile, ForecastResult& out) const;
  // NormalQuantile(quantile) * sqrt(pi / 2): what turns a mean absolute residual into
  // the band's half-width at one step, for a forecaster that sizes its band itself
  // (Holt-Winters, by the time of day). 0 for the median; cached like FillUpper's.
  double ZSigma(double quantile) const { return Z(quantile) * kMeanAbsToSigma; }

  // Durable state, part of its forecaster's record: the running sums and the count
  // (the decay comes from the settings and is not written). Load reads what Save
  // wrote and fails `r` on a value out of range.
  void Save(StateWriter& w) const;
  void Load(StateReader& r);

 private:
  // z(quantile) for FillUpper, cached; 0 for the median.
  double Z(double quantile) const;

  double decay_;        // 2^(-1 / halflife): the weight kept per new residual
  // NormalQuantile of the last quantile asked for: forecasts ask for the same one
  // every step, and the quantile costs an erfc and an exp.
  mutable double cached_quantile_ = -1;
  mutable double cached_z_ = 0;
  double sum_abs_ = 0;  // sum of decay^age * |residual|
  double weight_ = 0;   // sum of decay^age
  std::int64_t count_ = 0;
};

// Makes `out` hold `horizon` steps, resizing only when the size differs so that a
// reused result does not allocate. REQUIRES: horizon >= 1.
void SizeForecast(int horizon, ForecastResult& out);

}  // namespace prescale
