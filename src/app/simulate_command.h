// `prescale simulate` and `prescale demo`, behind the command line. main() parses
// flags into these structs; everything else is here, where tests can reach it.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "sim/simulator.h"

namespace prescale::app {

struct SimulateFlags {
  std::string trace;
  std::string out;                 // steps CSV; empty = none
  std::string summary;             // summary JSON; empty = none
  std::optional<double> capacity;  // default: the p99.5 load needs 20 instances
  // Unset: the config's group, else 180 s, 1 and 1000.
  std::optional<double> boot_delay_s;
  std::optional<int> min;
  std::optional<int> max;
  std::optional<int> initial;
  std::string policy;              // overrides the config's
  std::optional<double> target_utilization;
  std::optional<double> slo_underprovision_pct;
  std::string config;              // YAML with policy/forecaster/detector sections
  std::string group;               // which group of a daemon config
  std::string forecaster;
  std::string detector;
};

// Runs the simulation, writes the files, prints a short summary to `err`.
// Returns the process exit code: 0, or 2 for bad input (after printing why).
int RunSimulate(const SimulateFlags& flags, std::ostream& err);

struct BacktestFlags {
  std::string trace;
  std::string forecasts;           // CSV of every forecast at the horizon; empty = none
  std::optional<double> capacity;  // default: the p99.5 load needs 20 instances
  double boot_delay_s = 180;
  int min = 1;
  int max = 1000;
};

// `prescale backtest`: forecast accuracy at the provisioning horizon (MASE against
// seasonal-naive) for every forecaster, then the elasticity metrics of every policy
// on the same trace, so a user can see why prescale chose what it chose.
int RunBacktest(const BacktestFlags& flags, std::ostream& out, std::ostream& err);

// The built-in demo: a synthetic workload (a daily cycle, noise and one spike) over
// three days, simulated with `predictive` and with `hpa`, side by side on `out`.
// With `out_dir`, also writes there the trace (demo-trace.csv, for `simulate
// --trace`) and each policy's steps (demo-predictive.csv, demo-hpa.csv, for
// `prescale plot --steps`).
int RunDemo(std::ostream& out, std::ostream& err, const std::string& out_dir = "");

// The summary file: the SPEC elasticity metrics, the cost, and the run's settings.
std::string SummaryJson(const SimulationResult& result, const SimulationOptions& options,
                        const std::string& trace_name);

}  // namespace prescale::app
