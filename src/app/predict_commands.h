// `prescale train` and `prescale serve`, behind the command line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace prescale::app {

struct TrainFlags {
  // Exactly one source of labelled rows.
  std::string csv;         // labelled CSV: the nine inputs and `label`
  std::string trace;       // a trace, labelled by the oracle (sim/labels.h)
  bool synthetic = false;  // the built-in synthetic workload (the default model)
  std::string out;         // the model's JSON; the metadata goes beside it
  // For --trace and --synthetic: the capacity model.
  std::optional<double> capacity;  // default: the p99.5 load needs 20 (synthetic: 20)
  double boot_delay_s = 180;
  int min = 1;
  int max = 1000;
  int days = 7;  // --synthetic: days of one-minute rows
  // Training.
  std::uint64_t seed = 42;
  int rounds = 40;
  int max_depth = 6;
  double eta = 0.3;
  double test_fraction = 0.2;
  bool quiet = false;  // only errors
};

// Exit codes: 0, 2 for bad input (flags, files), 1 when training fails.
int RunTrain(const TrainFlags& flags, std::ostream& out, std::ostream& err);

struct ServeFlags {
  std::string model;  // default: DefaultModelPath()
  std::string listen = "127.0.0.1:8000";
  int threads = 64;             // one keep-alive connection per thread
  std::optional<double> for_s;  // stop after this many seconds
};

// Serves until SIGINT / SIGTERM (or --for). Prints the address it listens on.
int RunServe(const ServeFlags& flags, std::ostream& out, std::ostream& err);

}  // namespace prescale::app
