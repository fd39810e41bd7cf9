#include "sources/aggregate.h"

#include <algorithm>
#include <numeric>

namespace prescale {

std::optional<double> Aggregate(std::span<const double> values, Aggregation aggregation) {
  if (values.empty()) return std::nullopt;
  switch (aggregation) {
    case Aggregation::kMean:
      return std::accumulate(values.begin(), values.end(), 0.0) /
             static_cast<double>(values.size());
    case Aggregation::kMax:
      return *std::max_element(values.begin(), values.end());
    case Aggregation::kMin:
      return *std::min_element(values.begin(), values.end());
  }
  return std::nullopt;  // unreachable: every Aggregation is handled above
}

}  // namespace prescale
