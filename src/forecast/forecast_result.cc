// ForecastResult's peak helpers (declared in prescale/forecaster.h).
#include <algorithm>

#include "prescale/forecaster.h"

namespace prescale {

// Both return 0 for an empty result, so that a caller that sizes capacity from them
// never sees a sentinel like -inf.
double ForecastResult::PeakUpper() const {
  return upper.empty() ? 0.0 : *std::max_element(upper.begin(), upper.end());
}

double ForecastResult::PeakPoint() const {
  return point.empty() ? 0.0 : *std::max_element(point.begin(), point.end());
}

}  // namespace prescale
