// AnomalyDetector: scores each new value of a series for how unusual it is.
//
// Streaming: each value is seen once, in order, and never after the fact. The score
// is in [0, 1] (1 = certainly anomalous) and `anomaly` is the detector's own flag.
// A missing value scores 0 and is not learned from. Not thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "prescale/clock.h"
#include "prescale/registry.h"
#include "prescale/state_codec.h"

namespace prescale {

struct AnomalyResult {
  double score = 0;  // in [0, 1]
  bool anomaly = false;
};

class AnomalyDetector {
 public:
  virtual ~AnomalyDetector() = default;
  virtual std::string_view name() const = 0;
  virtual AnomalyResult Update(std::optional<double> value) = 0;

  // Durable state: what the model has learned, so a restart keeps its history.
  // Load() reads what Save() wrote for the same settings; on error the caller
  // starts the model fresh.
  virtual void Save(StateWriter& w) const = 0;
  virtual Status Load(StateReader& r) = 0;
};

struct DetectorContext {
  Duration step{60};
};

using DetectorRegistry = Registry<AnomalyDetector, DetectorContext>;
// The built-in detectors: "surprise" (the default of `run`), "zscore", "mad", "none".
const DetectorRegistry& Detectors();

}  // namespace prescale
