#include "anomaly/evt_tail.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace prescale {
namespace {

// The rate never reads as 0: one exceedance in a million values is as rare as this
// model claims to know.
constexpr double kMinRate = 1e-6;
constexpr double kMinSigma = 1e-6;
// Below this the GPD is the exponential distribution (its xi -> 0 limit).
constexpr double kExponentialShape = 1e-6;
// The magnitude for the floor follows this many values at most.
constexpr double kMagnitudeMemory = 10000;
constexpr double kMinScale = 1e-12;  // keeps Z finite on a constant series of zeros

void FailUnless(StateReader& r, bool ok, const char* what) {
  if (!ok) r.Fail(what);
}

}  // namespace

ExceedanceTail::ExceedanceTail(const TailOptions& options) : options_(options) {
  assert(options.threshold_z > 0);
  assert(options.event_memory >= 1 && options.rate_memory >= 1);
  assert(options.max_shape >= 0 && options.max_shape < 1);
}

double ExceedanceTail::Surprise(double z) const {
  if (!(z > options_.threshold_z)) return 0;
  const double excess = z - options_.threshold_z;
  const double variance = std::max(second_ - mean_ * mean_, 1e-12);
  const double shape = std::clamp(0.5 * (1 - mean_ * mean_ / variance), 0.0, options_.max_shape);
  const double sigma = std::max(mean_ * (1 - shape), kMinSigma);
  const double tail =
      shape < kExponentialShape ? excess / sigma : std::log1p(shape * excess / sigma) / shape;
  return std::max(0.0, -std::log(std::max(rate_, kMinRate)) + tail);
}

void ExceedanceTail::Learn(double z) {
  const bool exceeds = z > options_.threshold_z;
  rate_ += ((exceeds ? 1.0 : 0.0) - rate_) / options_.rate_memory;
  if (!exceeds) return;
  const double excess = z - options_.threshold_z;
  excesses_ += 1;
  // The prior counts as two excesses; then a running mean up to event_memory.
  const double weight = 1.0 / std::min(excesses_ + 2, options_.event_memory);
  mean_ += weight * (excess - mean_);
  second_ += weight * (excess * excess - second_);
}

void ExceedanceTail::Save(StateWriter& w) const {
  w.Double(rate_);
  w.Double(mean_);
  w.Double(second_);
  w.Double(excesses_);
}

void ExceedanceTail::Read(StateReader& r) {
  rate_ = r.Double();
  mean_ = r.Double();
  second_ = r.Double();
  excesses_ = r.Double();
  if (!r.ok()) return;
  // Learn keeps the rate a weighted frequency and the moments of positive excesses
  // bounded by the standardiser's kMaxZ.
  const double max_excess = RobustStandardizer::kMaxZ;
  FailUnless(r, rate_ >= 0 && rate_ <= 1, "tail rate out of [0, 1]");
  FailUnless(r, mean_ > 0 && mean_ <= max_excess, "tail mean excess out of range");
  FailUnless(r, second_ >= mean_ * mean_ * (1 - 1e-9) && second_ <= max_excess * max_excess,
             "tail second moment out of range");
  FailUnless(r, excesses_ >= 0 && excesses_ <= 1e15, "tail excess count out of range");
}

RobustStandardizer::RobustStandardizer(const StandardizerOptions& options) : options_(options) {
  assert(options.memory >= 2 && options.clip > 0 && options.warmup >= 1 && options.floor >= 0);
}

double RobustStandardizer::Scale() const {
  return std::max(scale_, options_.floor * magnitude_ + kMinScale);
}

double RobustStandardizer::Z(double f) const {
  const double z = (f - centre_) / Scale();
  if (std::isnan(z)) return 0;  // only from inf - inf, which Learn never stores
  return std::clamp(z, -kMaxZ, kMaxZ);
}

void RobustStandardizer::Learn(double f) {
  const double limit = options_.clip * Scale();  // the scale f was judged by
  double residual = f - centre_;
  // Clipped once the scale means something; before that, a plain running mean. The
  // magnitude learns the clipped value too, so one spike cannot raise the floor.
  if (count_ >= options_.warmup) residual = std::clamp(residual, -limit, limit);
  magnitude_ +=
      (std::fabs(centre_ + residual) - magnitude_) / std::min(count_ + 1, kMagnitudeMemory);
  count_ += 1;
  const double weight = 1.0 / std::min(count_, options_.memory);
  centre_ += weight * residual;
  scale_ += weight * (std::fabs(residual) - scale_);
}

void RobustStandardizer::Save(StateWriter& w) const {
  w.Double(centre_);
  w.Double(scale_);
  w.Double(magnitude_);
  w.Double(count_);
}

void RobustStandardizer::Read(StateReader& r) {
  centre_ = r.Double();
  scale_ = r.Double();
  magnitude_ = r.Double();
  count_ = r.Double();
  if (!r.ok()) return;
  FailUnless(r, std::isfinite(centre_), "standardiser centre is not finite");
  FailUnless(r, std::isfinite(scale_) && scale_ >= 0, "standardiser scale out of range");
  FailUnless(r, std::isfinite(magnitude_) && magnitude_ >= 0,
             "standardiser magnitude out of range");
  FailUnless(r, count_ >= 0 && count_ <= 1e15 && count_ == std::floor(count_),
             "standardiser count out of range");
}

FeatureSurprise::FeatureSurprise(const StandardizerOptions& standardizer, const TailOptions& tail,
                                 bool two_sided)
    : standardizer_(standardizer), upper_(tail), lower_(tail), two_sided_(two_sided) {}

double FeatureSurprise::Update(double f) {
  double surprise = 0;
  if (standardizer_.warm()) {
    const double z = standardizer_.Z(f);
    surprise = upper_.Surprise(z);
    if (two_sided_) surprise = std::max(surprise, lower_.Surprise(-z));
    upper_.Learn(z);
    if (two_sided_) lower_.Learn(-z);  // one-sided: the lower tail stays as it started
  }
  standardizer_.Learn(f);
  return surprise;
}

void FeatureSurprise::Save(StateWriter& w) const {
  standardizer_.Save(w);
  upper_.Save(w);
  lower_.Save(w);
}

void FeatureSurprise::Read(StateReader& r) {
  standardizer_.Read(r);
  upper_.Read(r);
  lower_.Read(r);
}

}  // namespace prescale
