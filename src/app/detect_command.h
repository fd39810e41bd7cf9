// `prescale detect`: runs an anomaly detector over a series file, or over a whole
// corpus in the Numenta Anomaly Benchmark's layout, and writes NAB's results format.
//
//   prescale detect --input FILE.csv --out OUT.csv
//   prescale detect --nab DATA_DIR --out RESULTS_DIR
//
// Input: a trace CSV (`timestamp,value`, DESIGN.md), except that values may be
// negative and a timestamp may repeat the previous one (NAB's files do both).
// Output: one row per input row, `timestamp,value,anomaly_score,label`, timestamps
// as `YYYY-MM-DD HH:MM:SS` (UTC, NAB's form). `label` is 1 for rows inside a labelled
// anomaly window and 0 elsewhere; windows come from `--labels` (NAB's
// combined_windows.json), by default DATA_DIR/../labels/combined_windows.json for
// --nab when it exists, else every label is 0.
// With --nab, every DATA_DIR/<category>/<file>.csv becomes
// RESULTS_DIR/<category>/<name>_<file>.csv, which is what NAB's scorer and
// ../shared/bench/nab_score.py read (--name defaults to "prescale").
//
// Irregular spacing: the detector runs on the grid of the file's median spacing (the
// trace's step), which also sets its daily season. A gap of k steps between two rows
// feeds k - 1 missing values first, so a seasonal detector keeps its phase; rows
// closer than a step (down to a repeated timestamp) are fed one after the other. A
// gap is filled with at most kMaxFillSteps missing values.
//
// Exit codes: 0; 2 for bad input (a missing or malformed file, an unknown detector,
// bad flags), with a message naming the file and line or the flag; 1 when an output
// file cannot be written.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "prescale/anomaly_detector.h"
#include "prescale/params.h"
#include "sources/trace.h"

namespace prescale::app {

struct DetectFlags {
  std::string input;  // one series (with --out FILE)
  std::string nab;    // a NAB data directory (with --out DIR)
  std::string out;
  std::string detector;           // overrides the config's; default "surprise"
  std::string config;             // YAML with a `detector:` section (a plugin file, as simulate's)
  std::string name = "prescale";  // the detector's name in NAB result file names
  std::string labels;             // NAB combined_windows.json
};

int RunDetect(const DetectFlags& flags, std::ostream& out, std::ostream& err);

// The most missing values one gap is filled with: a year of 30-second steps. Beyond
// it a seasonal detector may lose its phase, which is better than hanging on a
// timestamp typo.
inline constexpr long long kMaxFillSteps = 1'000'000;

// Runs `detector` over the rows of `trace` on the grid of its step, as described
// above; one result per row. Errors: the detector's (an unknown name, bad settings).
Result<std::vector<AnomalyResult>> DetectTrace(const Trace& trace, const PluginSpec& detector);

// "2014-04-01 00:00:00" (UTC); fractional seconds, if any, as ".ffffff".
std::string NabTimestamp(double epoch_s);

}  // namespace prescale::app
