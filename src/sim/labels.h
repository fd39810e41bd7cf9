// Labelled rows for `prescale train`, from a trace and the capacity model of
// DESIGN.md: the class of a row is the change of capacity the oracle needed over
// the provisioning horizon.
//
// For each trace row t the oracle wants D = OracleDesired(demand)[t] instances
// (max demand over t+1 .. t+1+boot_steps). A classifier sees the group at some
// size c, so each row is labelled at several sizes: D-2 .. D+2, two drawn
// log-uniformly in [D/3, 3D] and two uniformly in [1, 1.5 x the trace's largest D]
// (from a seeded hash), each with the
// observation that size would give (the row's load, CPU = min(1, load / (c *
// capacity)), c instances) and its seed-2 features:
//   D < c -> Low (down),  D == c -> Medium (hold),  D > c -> High (up).
// Rows come out in time order, so a chronological split holds out the trace's end.
#pragma once

#include <cstdint>
#include <vector>

#include "predict/training.h"
#include "prescale/clock.h"
#include "prescale/observation.h"
#include "sources/trace.h"

namespace prescale {

struct OracleLabelOptions {
  double capacity_per_instance = 0;  // REQUIRED > 0
  Duration boot_delay{180};
  Limits limits{1, 1000};
  std::uint64_t seed = 42;
};

Result<std::vector<predict::LabelledRow>> LabelTraceByOracle(const Trace& trace,
                                                             const OracleLabelOptions& options);

}  // namespace prescale
