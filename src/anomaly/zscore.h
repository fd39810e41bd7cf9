// The z-score detector (seed 1's "Z-Score-based Anomaly Detection", made streaming),
// and the score mapping shared by every window detector in this folder.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "prescale/anomaly_detector.h"
#include "prescale/time_series.h"

namespace prescale {

// Judges a value from its distance to the centre of a window (`deviation` =
// value - centre) and the window's spread (`scale`, in the value's units, an
// estimate of the standard deviation). Shared by "zscore" and "mad" so that a score
// means the same thing whichever detector produced it.
//
// With z = |deviation| / scale:
//   score   = erf(z / sqrt(2)), the two-sided normal probability P(|Z| <= z): the
//             share of a normal population that lies closer to the centre than the
//             value. It is 0 at the centre, 0.683 at 1 sigma, 0.9973 at 3 sigma and
//             rounds to 1 beyond about 8.3 sigma. Monotone in z and free of knobs, so
//             a downstream threshold on the score (NAB tunes one per profile) is a
//             threshold on z. For Gaussian noise the score is uniform on [0, 1].
//   anomaly = z > threshold.
// A zero scale (a constant window) has no spread to measure against: a value equal
// to the centre scores 0, and any other value scores 1 and is an anomaly.
// A NaN input (only possible from overflow, |values| beyond ~1e150) scores 0.
// REQUIRES: scale >= 0, threshold > 0.
AnomalyResult ScoreDeviation(double deviation, double scale, double threshold);

struct ZScoreOptions {
  std::size_t window = 60;      // values held; REQUIRES: >= 2
  double threshold = 3.0;       // in standard deviations; REQUIRES: > 0
  std::size_t min_points = 10;  // below this many held values, score 0; REQUIRES: 2..window
};

// "zscore": z = (x - mean) / stddev over the last `window` values before x, with the
// sample (n - 1) standard deviation, since x is scored against a sample that
// excludes it.
//
// O(1) per update. The mean and variance come from running sums over a RingBuffer,
// kept accurate in two ways:
//  1. Shifted data (Chan, Golub and LeVeque, "Algorithms for computing the sample
//     variance", The American Statistician 37(3), 1983; and
//     https://en.wikipedia.org/wiki/Algorithms_for_calculating_variance): the sums are
//     of (x - K) for a K taken from the window, so a large offset (1e9 + noise) does
//     not cancel catastrophically in sum(x^2) - sum(x)^2 / n.
//  2. Every `window` updates the sums are recomputed from the buffer with K = the
//     newest value. That drops the rounding error that adding and removing leaves
//     behind, and keeps K inside the window, which bounds (mean - K)^2 by n times the
//     variance. Amortised, this is O(1).
// The variance is clamped at 0. A window of identical values is detected exactly
// (a run length), not from the sums, so a constant series has exactly zero variance
// and a repeat of its value scores exactly 0.
//
// Missing and non-finite values score 0 and are not added to the window.
//
// Saved state (format 1), in order: the format version, the window capacity, the
// window's values oldest first, the shift and the two sums exactly as they stand
// (recomputing them would round differently), and the updates since the last
// recompute. The run length is not written: it is the count of equal values at the
// window's end, and Load counts it again. Load fails on a record for another window.
// Not thread-safe.
class ZScoreDetector final : public AnomalyDetector {
 public:
  // REQUIRES: options meet the REQUIRES of ZScoreOptions (the factory in builtin.cc
  // checks them and reports errors).
  explicit ZScoreDetector(const ZScoreOptions& options);

  std::string_view name() const override { return "zscore"; }
  AnomalyResult Update(std::optional<double> value) override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

 private:
  AnomalyResult Score(double x) const;
  void Push(double x);
  void Recompute();
  // Reads a record into this (fresh) instance and checks it; Load commits on success.
  Status ReadState(StateReader& r);

  // Settings; not const, so that Load can commit a loaded detector by assignment.
  double threshold_;
  std::size_t min_points_;
  RingBuffer<double> window_;
  double shift_ = 0;     // K: the sums are over (x - K)
  double sum_ = 0;       // sum of (x - K) over the window
  double sum_sq_ = 0;    // sum of (x - K)^2 over the window
  std::size_t run_ = 0;  // how many of the newest values are equal (capped at capacity)
  std::size_t pushes_since_recompute_ = 0;
};

}  // namespace prescale
