// Seed 2's nine model features (EC2 Predictive Horizontal Auto Scaler,
// calculate_derived_metrics in ../shared/seeds/004_*.txt), computed from one
// Observation exactly as the seed's Python does, rounding included, so a model
// trained on the seed's features can be fed from prescale's sources.
//
// The seed's inputs are CloudWatch percentages and bytes/s, averaged over the group's
// instances and rounded to 2 decimals (combine_instance_metrics). An Observation
// holds utilisation in [0, 1], so the percentages are rebuilt as round(100 * u, 2);
// this also removes the binary noise of the conversion (0.4525 -> 45.25, as the seed
// would have seen it).
//
// Where this departs from the seed, and why:
//   - Missing memory: the seed estimates min(cpu * 1.2 + N(0, 5), 95). The noise
//     would make the features (and the decisions fed by them) unrepeatable, so the
//     estimate here is min(cpu * 1.2, 95), flagged by `memory_estimated`.
//   - A measured memory of exactly 0 % is kept as 0: the seed's `memory_raw == 0`
//     test is how it detects a missing value (its .get() default), and here a
//     missing value is an empty optional.
//   - Missing network traffic counts as 0, as in the seed, flagged by
//     `network_missing` so that consumers can tell.
//   - Missing CPU or instance count gives no features at all: CPU drives six of the
//     nine, and the seed returns None for a group without instances.
#pragma once

#include <optional>
#include <string>

#include "prescale/features.h"
#include "prescale/observation.h"

namespace prescale {

// The features of `obs` for a group limited to [min_instances, max_instances].
// nullopt when CPU or the instance count is missing (or not finite, or < 1).
// A non-finite memory or network value counts as missing.
std::optional<Seed2Features> ComputeSeed2Features(const Observation& obs, int min_instances,
                                                  int max_instances);

// The observation a group's features are computed from: `obs`, with the instance
// count taken from the group's `ready` instances when the source gave none, and,
// when the source measures load but not CPU, the CPU that load puts on the ready
// instances (min(1, load / (ready * capacity_per_instance)), DESIGN.md's capacity
// model). Unchanged when neither applies.
Observation FeatureObservation(const Observation& obs, int ready, double capacity_per_instance);

// The seed's classify_task_type: the dominant resource, ties going to compute, then
// network. Arguments in the features' units (%, %, MB/s).
std::string ClassifySeed2TaskType(double cpu_pct, double memory_pct, double network_mb_per_s);

// The seed's classify_task_priority. With intensity = max(cpu, memory,
// min(2 * network, 100)), the first rule that holds wins:
//   1. instances <= min and intensity > 60 -> "high" (little capacity, busy);
//   2. instances >= max and intensity < 30 -> "low" (full capacity, idle);
//   3. intensity > 80 -> "high";  4. intensity > 50 -> "medium";  5. "low".
std::string ClassifySeed2TaskPriority(double cpu_pct, double memory_pct, double network_mb_per_s,
                                      int instances, int min_instances, int max_instances);

// Python 3's round(x, ndigits) for ndigits >= 0: the exact binary value rounded to
// `ndigits` decimals, ties to even (round(2.675, 2) == 2.67, since 2.675 is stored
// as 2.67499999...; round(0.125, 2) == 0.12). Non-finite values are returned as is.
double PythonRound(double x, int ndigits);

}  // namespace prescale
