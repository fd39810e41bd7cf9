#include "anomaly/mad.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>

#include "anomaly/zscore.h"

namespace prescale {
namespace {

constexpr std::int64_t kStateVersion = 1;

// 1 / Phi^-1(3/4): turns the MAD of normal data into its standard deviation.
constexpr double kMadToSigma = 1.482602218505602;
// sqrt(pi / 2): turns the mean absolute deviation of normal data into sigma.
constexpr double kMeanAdToSigma = 1.2533141373155001;

// REQUIRES: v is sorted ascending and not empty.
double SortedMedian(const std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : std::midpoint(v[mid - 1], v[mid]);
}

// Reorders v. REQUIRES: v not empty.
double SelectMedian(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  const auto upper = v.begin() + static_cast<std::ptrdiff_t>(mid);
  std::nth_element(v.begin(), upper, v.end());
  if (v.size() % 2 == 1) return *upper;
  // nth_element leaves everything before `upper` no greater than it: the lower
  // middle value is the largest of those.
  return std::midpoint(*std::max_element(v.begin(), upper), *upper);
}

}  // namespace

MadDetector::MadDetector(const MadOptions& options)
    : threshold_(options.threshold), min_points_(options.min_points), window_(options.window) {
  assert(options.window >= 2);
  assert(options.min_points >= 2 && options.min_points <= options.window);
  assert(options.threshold > 0);
  sorted_.reserve(options.window);
  scratch_.reserve(options.window);
}

AnomalyResult MadDetector::Update(std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return {};
  const double x = *value;
  // Score against the previous values first, then learn from x.
  AnomalyResult result = sorted_.size() >= min_points_ ? Score(x) : AnomalyResult{};
  Push(x);
  return result;
}

AnomalyResult MadDetector::Score(double x) {
  // 1. The median, straight from the sorted copy.
  const double median = SortedMedian(sorted_);
  // 2. MAD: the median of the absolute deviations (resize stays within the reserved
  //    capacity, so this never allocates).
  scratch_.resize(sorted_.size());
  std::transform(sorted_.begin(), sorted_.end(), scratch_.begin(),
                 [median](double v) { return std::fabs(v - median); });
  const double mad = SelectMedian(scratch_);
  if (mad > 0) return ScoreDeviation(x - median, kMadToSigma * mad, threshold_);
  // 3. MAD is 0 (over half the window is one value): fall back to MeanAD. A zero
  //    MeanAD means a constant window, which ScoreDeviation handles.
  const double mean_ad =
      std::accumulate(scratch_.begin(), scratch_.end(), 0.0) / static_cast<double>(scratch_.size());
  return ScoreDeviation(x - median, kMeanAdToSigma * mean_ad, threshold_);
}

void MadDetector::Push(double x) {
  if (window_.full()) {
    const auto it = std::lower_bound(sorted_.begin(), sorted_.end(), window_.Oldest());
    assert(it != sorted_.end() && *it == window_.Oldest());
    sorted_.erase(it);
  }
  window_.Push(x);
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), x), x);
}

void MadDetector::Save(StateWriter& w) const {
  w.Int(kStateVersion);
  w.Int(static_cast<std::int64_t>(window_.capacity()));
  w.Ring(window_, [](StateWriter& sw, double x) { sw.Double(x); });
}

Status MadDetector::Load(StateReader& r) {
  return LoadWhole(
      *this,
      MadDetector(
          {.window = window_.capacity(), .threshold = threshold_, .min_points = min_points_}),
      [&r](auto& m) { return m.ReadState(r); }, "mad");
}

Status MadDetector::ReadState(StateReader& r) {
  if (Status s = r.ReadVersion(kStateVersion); !s.ok()) return s;
  if (Status s = r.ReadSize(static_cast<std::int64_t>(window_.capacity()), "values", "detector");
      !s.ok()) {
    return s;
  }
  r.Ring(window_, [](StateReader& sr) { return sr.Double(); });
  if (!r.ok()) return r.Finish();
  // Update only ever holds finite values; a NaN would also break the sorted order.
  for (std::size_t i = 0; i < window_.size(); ++i) {
    if (!std::isfinite(window_[i])) {
      r.Fail("window value " + std::to_string(i) + " is not finite");
      return r.Finish();
    }
    sorted_.push_back(window_[i]);  // within the reserved capacity
  }
  std::sort(sorted_.begin(), sorted_.end());
  return r.Finish();
}

}  // namespace prescale
