// MetricSource: where a group's metrics come from (procfs, Prometheus, CloudWatch,
// a trace replay, a synthetic workload).
//
// Read() never fails outright: a source that cannot read returns an Observation
// with the metrics it could not get left empty and `error` saying why. It does not
// block longer than its own timeout. Not thread-safe unless a source says so.
#pragma once

#include <string_view>

#include <string>

#include "prescale/clock.h"
#include "prescale/observation.h"
#include "prescale/registry.h"

namespace prescale {

class MetricSource {
 public:
  virtual ~MetricSource() = default;
  virtual std::string_view name() const = 0;
  // Samples the group's metrics for the interval ending at `now`.
  virtual Observation Read(TimePoint now) = 0;
};

// How a source folds per-instance samples into one group value (seed 2 keeps the
// mean, the max and the min across instances).
enum class Aggregation { kMean, kMax, kMin };

struct SourceContext {
  std::string group;      // the scaling group, for messages
  Duration interval{60};  // the decision interval
  Aggregation aggregation = Aggregation::kMean;
  // The daemon's clock, for sources that keep deadlines or wait between retries
  // (never null).
  Clock* clock = &RealClock::Default();
};

using SourceRegistry = Registry<MetricSource, SourceContext>;
// The built-in sources: "synthetic", "procfs", "prometheus", "csv-replay", "cloudwatch".
const SourceRegistry& Sources();

}  // namespace prescale
