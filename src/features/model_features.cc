#include "features/model_features.h"

#include <cmath>
#include <limits>

#include "core/text.h"

namespace prescale {
namespace {

constexpr double kFloatMax = std::numeric_limits<float>::max();

// Index of `value` in `names`, or -1.
int IndexOf(const std::array<std::string_view, 3>& names, std::string_view value) {
  for (int i = 0; i < 3; ++i) {
    if (names[i] == value) return i;
  }
  return -1;
}

std::string Known(const std::array<std::string_view, 3>& names) {
  return std::string(names[0]) + ", " + std::string(names[1]) + ", " + std::string(names[2]);
}

}  // namespace

const std::array<std::string_view, kSeed2Inputs>& Seed2InputNames() {
  static constexpr std::array<std::string_view, kSeed2Inputs> kNames = {"cpu_usage",
                                                                        "memory_usage",
                                                                        "network_traffic",
                                                                        "power_consumption",
                                                                        "num_executed_instructions",
                                                                        "execution_time",
                                                                        "energy_efficiency",
                                                                        "task_type",
                                                                        "task_priority"};
  return kNames;
}

const std::array<std::string_view, kModelFeatures>& ModelFeatureNames() {
  // The seven numbers as sent, then the derived and one-hot columns.
  static const std::array<std::string_view, kModelFeatures> kNames = [] {
    std::array<std::string_view, kModelFeatures> n{};
    for (int i = 0; i < 7; ++i) n[i] = Seed2InputNames()[i];
    const std::string_view rest[] = {
        "cpu_mem_product",      "cpu_network_ratio", "power_per_cpu", "execution_per_instruction",
        "task_type_compute",    "task_type_network", "task_type_io",  "task_priority_high",
        "task_priority_medium", "task_priority_low"};
    for (int i = 0; i < 10; ++i) n[7 + i] = rest[i];
    return n;
  }();
  return kNames;
}

const std::array<std::string_view, 3>& TaskTypes() {
  static constexpr std::array<std::string_view, 3> kTypes = {"compute", "network", "io"};
  return kTypes;
}

const std::array<std::string_view, 3>& TaskPriorities() {
  static constexpr std::array<std::string_view, 3> kPriorities = {"high", "medium", "low"};
  return kPriorities;
}

Seed2Features Seed2ExamplePayload() {
  Seed2Features f;
  f.cpu_usage = 45.5;
  f.memory_usage = 60.2;
  f.network_traffic = 122.1;
  f.power_consumption = 35.6;
  f.num_executed_instructions = 1200000000;
  f.execution_time = 0.8;
  f.energy_efficiency = 0.92;
  f.task_type = "compute";
  f.task_priority = "high";
  return f;
}

Status EncodeModelRow(const Seed2Features& f, std::span<float, kModelFeatures> out) {
  const double numbers[7] = {f.cpu_usage,
                             f.memory_usage,
                             f.network_traffic,
                             f.power_consumption,
                             f.num_executed_instructions,
                             f.execution_time,
                             f.energy_efficiency};
  for (int i = 0; i < 7; ++i) {
    if (!std::isfinite(numbers[i])) {
      return Status::Error("feature " + std::string(Seed2InputNames()[i]) +
                           " is not a finite number");
    }
    if (numbers[i] > kFloatMax) {
      return Status::Error("feature " + std::string(Seed2InputNames()[i]) + " (" +
                           FormatNumber(numbers[i]) +
                           ") is too large for the model's 32-bit floats");
    }
    if (numbers[i] < 0) {
      return Status::Error("feature " + std::string(Seed2InputNames()[i]) + " is negative (" +
                           FormatNumber(numbers[i]) + ")");
    }
  }
  const int type = IndexOf(TaskTypes(), f.task_type);
  if (type < 0) {
    return Status::Error("feature task_type: unknown category " + Quote(f.task_type) +
                         " (known: " + Known(TaskTypes()) + ")");
  }
  const int priority = IndexOf(TaskPriorities(), f.task_priority);
  if (priority < 0) {
    return Status::Error("feature task_priority: unknown category " + Quote(f.task_priority) +
                         " (known: " + Known(TaskPriorities()) + ")");
  }
  for (int i = 0; i < 7; ++i) out[i] = static_cast<float>(numbers[i]);
  // The seed's interaction features (preprocess_input_data), in float64 as pandas
  // computes them; the epsilons keep the ratios finite at zero.
  const double derived[4] = {f.cpu_usage * f.memory_usage, f.cpu_usage / (f.network_traffic + 1e-5),
                             f.power_consumption / (f.cpu_usage + 1e-5),
                             f.execution_time / (f.num_executed_instructions + 1)};
  for (int i = 0; i < 4; ++i) {
    if (!std::isfinite(derived[i]) || std::fabs(derived[i]) > kFloatMax) {
      return Status::Error("derived feature " + std::string(ModelFeatureNames()[7 + i]) +
                           " is too large for the model's 32-bit floats");
    }
    out[7 + i] = static_cast<float>(derived[i]);
  }
  for (int i = 0; i < 3; ++i) {
    out[11 + i] = i == type ? 1.0f : 0.0f;
    out[14 + i] = i == priority ? 1.0f : 0.0f;
  }
  return Status::Ok();
}

}  // namespace prescale
