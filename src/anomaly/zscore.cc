#include "anomaly/zscore.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <utility>

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 1;

}  // namespace

AnomalyResult ScoreDeviation(double deviation, double scale, double threshold) {
  assert(!(scale < 0));
  assert(threshold > 0);
  if (std::isnan(deviation) || std::isnan(scale)) return {};
  if (!(scale > 0)) {
    // No spread: only an exact repeat of the centre is normal.
    if (deviation == 0) return {};
    return {.score = 1.0, .anomaly = true};
  }
  const double z = std::fabs(deviation) / scale;  // may be inf; erf(inf) = 1
  if (std::isnan(z)) return {};                   // inf / inf
  const double score = std::erf(z / std::numbers::sqrt2);
  return {.score = std::clamp(score, 0.0, 1.0), .anomaly = z > threshold};
}

ZScoreDetector::ZScoreDetector(const ZScoreOptions& options)
    : threshold_(options.threshold), min_points_(options.min_points), window_(options.window) {
  assert(options.window >= 2);
  assert(options.min_points >= 2 && options.min_points <= options.window);
  assert(options.threshold > 0);
}

AnomalyResult ZScoreDetector::Update(std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return {};
  const double x = *value;
  // Score against the previous values first, then learn from x.
  AnomalyResult result = window_.size() >= min_points_ ? Score(x) : AnomalyResult{};
  Push(x);
  return result;
}

AnomalyResult ZScoreDetector::Score(double x) const {
  const std::size_t n = window_.size();
  if (run_ >= n) {
    // Every held value is the same: the centre is that value, exactly.
    return ScoreDeviation(x - window_.Back(), 0.0, threshold_);
  }
  const double count = static_cast<double>(n);
  const double mean_shifted = sum_ / count;
  // Sample variance: (sum (x-K)^2 - (sum (x-K))^2 / n) / (n - 1), never negative.
  const double variance = std::max(0.0, (sum_sq_ - sum_ * mean_shifted) / (count - 1));
  // (x - K) - mean(x - K) keeps the subtraction among numbers of the window's spread.
  return ScoreDeviation((x - shift_) - mean_shifted, std::sqrt(variance), threshold_);
}

void ZScoreDetector::Push(double x) {
  if (window_.empty()) {
    shift_ = x;
    sum_ = sum_sq_ = 0;
    run_ = 0;
  }
  if (window_.full()) {
    const double d = window_.Oldest() - shift_;
    sum_ -= d;
    sum_sq_ -= d * d;
  }
  run_ = (!window_.empty() && x == window_.Back()) ? std::min(run_ + 1, window_.capacity()) : 1;
  window_.Push(x);
  const double d = x - shift_;
  sum_ += d;
  sum_sq_ += d * d;
  if (++pushes_since_recompute_ >= window_.capacity()) Recompute();
}

void ZScoreDetector::Recompute() {
  shift_ = window_.Back();
  sum_ = sum_sq_ = 0;
  for (std::size_t i = 0; i < window_.size(); ++i) {
    const double d = window_[i] - shift_;
    sum_ += d;
    sum_sq_ += d * d;
  }
  pushes_since_recompute_ = 0;
}

void ZScoreDetector::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(static_cast<std::int64_t>(window_.capacity()));
  w.Ring(window_, [](StateWriter& sw, double x) { sw.Double(x); });
  w.Double(shift_);
  w.Double(sum_);
  w.Double(sum_sq_);
  w.Int(static_cast<std::int64_t>(pushes_since_recompute_));
}

Status ZScoreDetector::Load(StateReader& r) {
  return LoadWhole(
      *this,
      ZScoreDetector(
          {.window = window_.capacity(), .threshold = threshold_, .min_points = min_points_}),
      [&r](auto& m) { return m.ReadState(r); }, "zscore");
}

Status ZScoreDetector::ReadState(StateReader& r) {
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  if (Status s = r.ReadSize(static_cast<std::int64_t>(window_.capacity()), "values", "detector");
      !s.ok()) {
    return s;
  }
  r.Ring(window_, [](StateReader& sr) { return sr.Double(); });
  shift_ = r.Double();
  sum_ = r.Double();
  sum_sq_ = r.Double();
  const std::int64_t pushes = r.Int();
  if (!r.ok()) return r.Finish();

  // Update only ever holds finite values, and recomputes once per `window` pushes.
  for (std::size_t i = 0; i < window_.size(); ++i) {
    if (!std::isfinite(window_[i])) {
      r.Fail("window value " + std::to_string(i) + " is not finite");
      return r.Finish();
    }
  }
  if (pushes < 0 || pushes >= static_cast<std::int64_t>(window_.capacity())) {
    r.Fail(std::to_string(pushes) + " updates since the last recompute, out of range");
    return r.Finish();
  }
  pushes_since_recompute_ = static_cast<std::size_t>(pushes);
  // The run of equal values at the window's end, compared pair by pair as Push does.
  run_ = window_.empty() ? 0 : 1;
  while (run_ < window_.size() && window_.Back(run_) == window_.Back(run_ - 1)) ++run_;
  return r.Finish();
}

}  // namespace prescale
