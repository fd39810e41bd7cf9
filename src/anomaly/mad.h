// The robust detector: median and median absolute deviation over a rolling window.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "prescale/anomaly_detector.h"
#include "prescale/time_series.h"

namespace prescale {

struct MadOptions {
  std::size_t window = 60;      // values held; REQUIRES: >= 2
  double threshold = 3.5;       // in robust z units; REQUIRES: > 0
  std::size_t min_points = 10;  // below this many held values, score 0; REQUIRES: 2..window
};

// "mad": the modified z-score of Iglewicz and Hoaglin ("How to Detect and Handle
// Outliers", ASQC Basic References in Quality Control 16, 1993):
//
//   z = (x - median) / (1.4826 * MAD),  MAD = median(|x_i - median|)
//
// over the last `window` values before x. 1.4826 = 1 / Phi^-1(3/4) makes 1.4826 * MAD
// estimate the standard deviation of normal data, so `threshold` reads in sigmas;
// 3.5 is the authors' recommended cut-off. Unlike the mean and standard deviation,
// median and MAD ignore up to half the window being outliers, so a burst of spikes
// does not mask the next one (where "zscore" would).
//
// When more than half the window shares one value, MAD is 0. Then the scale is
// 1.253314 * MeanAD, the mean absolute deviation from the median, as in IBM's
// definition of the modified z score (sqrt(pi / 2) * MeanAD estimates sigma for normal
// data; https://www.ibm.com/docs/en/cognos-analytics/11.1.0?topic=terms-modified-z-score).
// If that is 0 too, the window is constant and ScoreDeviation's zero-scale rule
// applies: a repeat of the value scores 0, anything else scores 1. The score mapping
// is ScoreDeviation's (zscore.h).
//
// Cost per update: the window is also kept as a sorted vector (binary search plus
// one memmove to insert and one to erase, O(n) but tiny for n in the hundreds), so the
// median is O(1); MAD is a selection (std::nth_element, O(n)) over a scratch buffer.
// Both vectors are allocated once, in the constructor.
//
// Missing and non-finite values score 0 and are not added to the window.
//
// Saved state (format 1), in order: the format version, the window capacity and the
// window's values oldest first. The sorted copy is rebuilt on Load. Load fails on a
// record for another window.
// Not thread-safe.
class MadDetector final : public AnomalyDetector {
 public:
  // REQUIRES: options meet the REQUIRES of MadOptions (the factory in builtin.cc
  // checks them and reports errors).
  explicit MadDetector(const MadOptions& options);

  std::string_view name() const override { return "mad"; }
  AnomalyResult Update(std::optional<double> value) override;
  void Save(StateWriter& w) const override;
  Status Load(StateReader& r) override;

 private:
  AnomalyResult Score(double x);
  void Push(double x);
  // Reads a record into this (fresh) instance and checks it; Load commits on success.
  Status ReadState(StateReader& r);

  // Settings; not const, so that Load can commit a loaded detector by assignment.
  double threshold_;
  std::size_t min_points_;
  RingBuffer<double> window_;    // arrival order, to know which value leaves next
  std::vector<double> sorted_;   // the same values, ascending
  std::vector<double> scratch_;  // |x_i - median|, reordered by nth_element
};

}  // namespace prescale
