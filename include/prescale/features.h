// Seed2Features: seed 2's nine model features of one group at one time, as plain
// data (the EC2 Predictive Horizontal Auto Scaler's calculate_derived_metrics; see
// src/features/seed2_features.h for how they are computed from an Observation).
//
// They are the inputs of the demand classifier (classifier.h) and of the
// `POST /predict` API, in this order: cpu_usage, memory_usage, network_traffic,
// power_consumption, num_executed_instructions, execution_time, energy_efficiency,
// task_type, task_priority.
#pragma once

#include <string>

namespace prescale {

struct Seed2Features {
  double cpu_usage = 0;                  // %, 1 decimal
  double memory_usage = 0;               // %, 1 decimal (estimated from CPU when missing)
  double network_traffic = 0;            // MB/s (2^20 bytes) over the group, 1 decimal
  double power_consumption = 0;          // W over the group, 1 decimal
  double num_executed_instructions = 0;  // per second over the group, a whole number
  double execution_time = 0;             // s, 2 decimals
  double energy_efficiency = 0;          // % per W, 4 decimals
  std::string task_type;                 // "compute", "network" or "io"
  std::string task_priority;             // "high", "medium" or "low"
  bool memory_estimated = false;         // memory was missing and estimated from CPU
  bool network_missing = false;          // network was missing and counted as 0
  int instance_count = 0;
};

}  // namespace prescale
