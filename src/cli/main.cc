// prescale: a predictive autoscaler. The command line only: each subcommand's work
// lives in src/app/, where tests reach it.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/detect_command.h"
#include "app/plot_command.h"
#include "app/predict_commands.h"
#include "app/run_command.h"
#include "app/simulate_command.h"
#include "prescale/anomaly_detector.h"
#include "prescale/forecaster.h"
#include "prescale/policy.h"

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using prescale::app::SimulateFlags;
  CLI::App app{"prescale: a predictive autoscaler that scales before the load arrives"};
  app.require_subcommand(1);

  SimulateFlags sim;
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Run a policy over a trace in simulated time (DESIGN.md's capacity model)");
  simulate->add_option("--trace", sim.trace, "Trace CSV: timestamp,value")->required();
  simulate->add_option("--out", sim.out, "Write one row per step to this CSV");
  simulate->add_option("--summary", sim.summary, "Write the elasticity metrics to this JSON");
  simulate->add_option("--capacity", sim.capacity,
                       "Units/s one instance serves (default: the p99.5 load needs 20)");
  simulate->add_option("--boot-delay", sim.boot_delay_s,
                       "Launch-to-ready delay, seconds (default: the config's, else 180)");
  simulate->add_option("--min", sim.min, "Minimum instances (default: the config's, else 1)");
  simulate->add_option("--max", sim.max, "Maximum instances (default: the config's, else 1000)");
  simulate->add_option("--initial", sim.initial, "Initial instances (default: first demand)");
  simulate->add_option("--policy", sim.policy,
                       "Policy: " + Join(prescale::Policies().Names()) + " (default predictive)");
  simulate->add_option("--target-utilization", sim.target_utilization,
                       "Target utilisation in (0, 1] for target-based policies");
  simulate->add_option("--slo-underprovision", sim.slo_underprovision_pct,
                       "Share of time (%) the predictive policy may be short (default 1)");
  simulate->add_option("--config", sim.config, "YAML with policy/forecaster/detector sections");
  simulate->add_option("--group", sim.group, "Which group of a daemon config (default: first)");
  simulate->add_option("--forecaster", sim.forecaster,
                       "Forecaster: " + Join(prescale::Forecasters().Names()));
  simulate->add_option("--detector", sim.detector,
                       "Anomaly detector: " + Join(prescale::Detectors().Names()) +
                           " (default none; a detected anomaly holds back scale-in and is kept "
                           "out of forecaster training)");

  prescale::app::RunFlags run_flags;
  CLI::App* run = app.add_subcommand(
      "run", "The autoscaler: tick every group, scale, and serve the API (Ctrl-C stops)");
  run->add_option("--config", run_flags.config,
                  "YAML config (default: the built-in demo of a synthetic workload and this "
                  "host)");
  run->add_option("--for", run_flags.for_s, "Stop after this many seconds");
  run->add_option("--listen", run_flags.listen, "HTTP address, overrides global.listen");
  run->add_flag("--print-default", run_flags.print_default, "Print the built-in config and exit");
  run->add_option("--clock", run_flags.clock,
                  "real, or simulated: each next tick at once (soak tests at a day per minute)")
      ->check(CLI::IsMember({"real", "simulated"}));
  run->add_option("--plot", run_flags.plot,
                  std::string("When it stops, chart the session to this PNG (no value: ") +
                      prescale::app::kDefaultSessionPlot + ")")
      ->expected(0, 1)
      ->default_str(prescale::app::kDefaultSessionPlot);

  std::string validate_path;
  CLI::App* validate = app.add_subcommand("validate", "Check a config file for `run`");
  validate->add_option("file", validate_path, "The YAML config")->required();

  prescale::app::BacktestFlags bt;
  CLI::App* backtest = app.add_subcommand(
      "backtest", "Score every forecaster (MASE at the provisioning horizon) and every policy");
  backtest->add_option("--trace", bt.trace, "Trace CSV: timestamp,value")->required();
  backtest->add_option("--forecasts", bt.forecasts,
                       "Write every forecaster's forecast at the horizon, per row, to this CSV");
  backtest->add_option("--capacity", bt.capacity,
                       "Units/s one instance serves (default: the p99.5 load needs 20)");
  backtest->add_option("--boot-delay", bt.boot_delay_s, "Launch-to-ready delay, seconds")
      ->capture_default_str();
  backtest->add_option("--min", bt.min, "Minimum instances")->capture_default_str();
  backtest->add_option("--max", bt.max, "Maximum instances")->capture_default_str();

  prescale::app::DetectFlags det;
  CLI::App* detect = app.add_subcommand(
      "detect", "Score a series (or a NAB corpus) for anomalies, in NAB's results format");
  detect->add_option("--input", det.input, "Series CSV: timestamp,value");
  detect->add_option("--nab", det.nab, "NAB data directory: <category>/<file>.csv");
  detect->add_option("--out", det.out, "Results CSV (with --input) or directory (with --nab)")
      ->required();
  detect->add_option(
      "--detector", det.detector,
      "Anomaly detector: " + Join(prescale::Detectors().Names()) + " (default surprise)");
  detect->add_option("--config", det.config, "YAML with a detector section");
  detect->add_option("--name", det.name, "Detector name in NAB result file names")
      ->capture_default_str();
  detect->add_option("--labels", det.labels,
                     "NAB combined_windows.json for the label column (default with --nab: "
                     "DATA_DIR/../labels/combined_windows.json if present)");

  CLI::App* demo = app.add_subcommand(
      "demo", "Simulate a synthetic workload with predictive and with hpa, side by side");
  std::string demo_out_dir;
  demo->add_option("--out-dir", demo_out_dir,
                   "Also write each policy's steps CSV here (demo-predictive.csv, demo-hpa.csv)");

  prescale::app::PlotFlags plot_flags;
  CLI::App* plot = app.add_subcommand(
      "plot",
      "Chart a simulate steps file or run's metrics as a PNG (load, capacity, forecast, "
      "anomalies, actions)");
  plot->add_option("--steps", plot_flags.steps,
                   "Steps CSV of `simulate --out` (or `demo --out-dir`)");
  plot->add_option("--metrics", plot_flags.metrics, "Metrics CSV of `run` (data/metrics.csv)");
  plot->add_option("--out", plot_flags.out, "The PNG to write (default: the input with .png)");
  plot->add_option("--size", plot_flags.size, "WIDTHxHEIGHT in pixels")->capture_default_str();
  plot->add_option("--title", plot_flags.title, "Chart title (default: from the input)");
  plot->add_option("--group", plot_flags.groups, "With --metrics: only this group (repeatable)");

  prescale::app::TrainFlags tr;
  CLI::App* train = app.add_subcommand(
      "train", "Train the demand classifier (XGBoost) from a labelled CSV or a trace");
  train->add_option("--csv", tr.csv, "Labelled CSV: the nine /predict inputs and 'label'");
  train->add_option("--trace", tr.trace, "Trace CSV (timestamp,value), labelled by the oracle");
  train->add_flag("--synthetic", tr.synthetic,
                  "The built-in synthetic workload (the default model)");
  train->add_option("--out", tr.out, "Model file to write (.json; metadata beside it)")->required();
  train->add_option("--capacity", tr.capacity, "Units/s one instance serves (trace labels)");
  train->add_option("--boot-delay", tr.boot_delay_s, "Launch-to-ready delay, seconds")
      ->capture_default_str();
  train->add_option("--min", tr.min, "Minimum instances")->capture_default_str();
  train->add_option("--max", tr.max, "Maximum instances")->capture_default_str();
  train->add_option("--days", tr.days, "Days of synthetic workload")->capture_default_str();
  train->add_option("--seed", tr.seed, "Seed of the split and of XGBoost")->capture_default_str();
  train->add_option("--rounds", tr.rounds, "Boosting rounds")->capture_default_str();
  train->add_option("--max-depth", tr.max_depth, "Tree depth")->capture_default_str();
  train->add_option("--eta", tr.eta, "Learning rate")->capture_default_str();
  train->add_option("--test-fraction", tr.test_fraction, "Share of rows held out")
      ->capture_default_str();
  train->add_flag("--quiet", tr.quiet, "Print only errors");

  prescale::app::ServeFlags sv;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "The prediction service alone: POST /predict (seed 2's API), /predict/batch, /model");
  serve->add_option("--model", sv.model, "Model .json (default: the one the build trained)");
  serve->add_option("--listen", sv.listen, "HTTP address")->capture_default_str();
  serve->add_option("--threads", sv.threads, "Server threads (one per keep-alive connection)")
      ->capture_default_str();
  serve->add_option("--for", sv.for_s, "Stop after this many seconds");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*simulate) return prescale::app::RunSimulate(sim, std::cerr);
  if (*demo) return prescale::app::RunDemo(std::cout, std::cerr, demo_out_dir);
  if (*plot) return prescale::app::RunPlot(plot_flags, std::cout, std::cerr);
  if (*detect) return prescale::app::RunDetect(det, std::cout, std::cerr);
  if (*backtest) return prescale::app::RunBacktest(bt, std::cout, std::cerr);
  if (*run) return prescale::app::RunRun(run_flags, std::cout, std::cerr);
  if (*train) return prescale::app::RunTrain(tr, std::cout, std::cerr);
  if (*serve) return prescale::app::RunServe(sv, std::cout, std::cerr);
  if (*validate) return prescale::app::RunValidate(validate_path, std::cout, std::cerr);
  return 2;
}
