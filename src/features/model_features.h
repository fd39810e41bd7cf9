// The classifier's input row: seed 2's nine features, its four interaction
// features and a one-hot encoding of the two categories, as 32-bit floats (what
// XGBoost reads). `prescale train`, the classifier policy and `POST /predict` all
// encode through here, and a model's metadata names this encoding, so a model
// trained in Python on the same columns (docs/prediction.md) serves unchanged.
//
// Columns, in order (kModelEncoding "seed2-onehot-v1"):
//    0- 6  cpu_usage, memory_usage, network_traffic, power_consumption,
//          num_executed_instructions, execution_time, energy_efficiency
//    7-10  cpu_mem_product = cpu * memory
//          cpu_network_ratio = cpu / (network + 1e-5)
//          power_per_cpu = power / (cpu + 1e-5)
//          execution_per_instruction = execution_time / (instructions + 1)
//          (the seed's preprocess_input_data, computed in double, then rounded to float)
//   11-13  task_type_compute, task_type_network, task_type_io         (0 or 1)
//   14-16  task_priority_high, task_priority_medium, task_priority_low (0 or 1)
//
// Where this departs from the seed, and why:
//   - Every category gets its own column. The seed calls pd.get_dummies(drop_first=
//     True) on a one-row frame: a single row has one level per column, so every
//     dummy is dropped, the columns are then filled with 0, and its model never sees
//     task_type or task_priority. Here they always reach the model.
//   - No StandardScaler: trees split on thresholds, and a per-column affine scaling
//     changes no split, so it changes no prediction. The raw values keep the model
//     readable and the Python side trivial.
//   - energy_efficiency is kept (the seed drops it after scaling; a tree ignores a
//     column that does not help).
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "prescale/features.h"
#include "prescale/status.h"

namespace prescale {

inline constexpr std::string_view kModelEncoding = "seed2-onehot-v1";
inline constexpr int kSeed2Inputs = 9;
inline constexpr int kModelFeatures = 17;

// The request order of POST /predict's "features" (the seed's INPUT_COLUMNS).
const std::array<std::string_view, kSeed2Inputs>& Seed2InputNames();
// The model's columns, in order.
const std::array<std::string_view, kModelFeatures>& ModelFeatureNames();
const std::array<std::string_view, 3>& TaskTypes();       // compute, network, io
const std::array<std::string_view, 3>& TaskPriorities();  // high, medium, low

// The seed's debug payload, [45.5, 60.2, 122.1, 35.6, 1200000000, 0.8, 0.92,
// "compute", "high"] (its README's Troubleshooting section): for tests, benchmarks
// and examples.
Seed2Features Seed2ExamplePayload();

// Checks `f` and writes its row. An error names the feature: a number that is not
// finite, is negative (every one of the seven is a count, a share or a rate) or
// does not fit a float (nor may a derived feature), or a category outside
// TaskTypes() / TaskPriorities() (matched exactly: "High" is not "high").
Status EncodeModelRow(const Seed2Features& f, std::span<float, kModelFeatures> out);

}  // namespace prescale
