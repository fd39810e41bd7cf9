// simulate: the controller, unchanged, over a trace in simulated time.
//
// The world is the capacity model of DESIGN.md: a SimulatedCluster as the actuator
// and a trace replay as the metric source, which reports each row's load and the
// CPU utilisation that load puts on the ready instances. The simulated clock stands
// at the end of interval t when the controller decides for row t, so a decision can
// only depend on rows 0..t (no lookahead: a prefix of a trace gives a prefix of the
// same decisions).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/controller.h"
#include "sim/elasticity.h"
#include "sources/trace.h"

namespace prescale {

struct SimulationOptions {
  double capacity_per_instance = 0;  // REQUIRED > 0: units/s one instance serves
  Duration boot_delay{180};
  Limits limits{1, 1000};
  Duration cooldown{0};              // the group's minimum time between actions
  std::optional<int> initial;        // default: demand of the first row
  PluginSpec policy;                 // empty type = "predictive"
  PluginSpec forecaster;             // empty type = the policy's default
  // Empty type = "none": simulate compares policies on their own, as the elasticity
  // benchmark does. With a detector, its anomalies also hold back scale-in.
  PluginSpec detector;
};

struct SimulationStep {
  double timestamp_s = 0;
  double load = 0;
  int demand = 0;
  int ready = 0;
  int booting = 0;
  int desired = 0;
  double cpu_utilization = 0;
  double forecast = 0;        // one step ahead, in the policy's series' units
  double forecast_upper = 0;  // peak upper bound over the horizon
  bool anomaly = false;
  double anomaly_score = 0;
  Action action = Action::kHold;
  Reason reason = Reason::kWithinTolerance;
  Signal series = Signal::kLoad;  // what `forecast` and the detector worked on
  // The model the decision was sized on and how (Decision::model, ::sizing).
  std::string_view model;
  std::string_view sizing;
};

struct SimulationResult {
  std::string policy;
  double step_s = 0;
  int boot_steps = 0;
  int initial = 0;
  std::vector<SimulationStep> steps;
  ElasticityMetrics metrics;
  ControllerStats stats;
};

// The capacity that makes the trace's 99.5th-percentile load need 20 instances, as
// ../shared/bench/elastic.py sizes traces: simulate's default for --capacity.
double DefaultCapacity(const Trace& trace);

// Checks the options (capacity > 0, 0 <= min <= max, ...) and runs.
Result<SimulationResult> Simulate(const Trace& trace, const SimulationOptions& options);

// The steps file of the contract: timestamp,load,demand,ready,booting,desired,
// cpu_utilization,forecast,anomaly,reason, then forecast_upper,anomaly_score,action,
// series ("load" or "cpu": the series forecast and scored, so the units of forecast
// and forecast_upper), model (the forecast model the decision was sized on, and how:
// "holt-winters daily: forecast x headroom"; empty for policies without one).
Status WriteStepsCsv(const SimulationResult& result, const std::string& path);

}  // namespace prescale
