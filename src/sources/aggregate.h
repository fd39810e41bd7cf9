// Aggregate: folds per-instance samples into one group value, the way a
// SourceContext's `aggregation` asks (mean, max or min across instances).
//
// Thread safety: a pure function; call it from any thread.
#pragma once

#include <optional>
#include <span>

#include "prescale/metric_source.h"

namespace prescale {

// The mean, max or min of `values`, or nullopt when there are none: no instances
// is missing data, never zero. REQUIRES: every value is finite.
std::optional<double> Aggregate(std::span<const double> values, Aggregation aggregation);

}  // namespace prescale
