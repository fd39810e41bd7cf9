// The files `prescale plot` reads: the steps CSV of `simulate --out` and the
// metrics CSV of `run` (data/metrics.csv). Columns are found by their header
// names, so files with extra columns, or older files without the optional ones,
// read too.
//
// steps: timestamp, load, demand, ready, booting, desired, cpu_utilization,
//        forecast, anomaly, reason (DESIGN.md's contract); optional:
//        forecast_upper, anomaly_score, action, series.
// metrics: timestamp, group, ready, desired, reason, and cpu_pct or load_per_s;
//        optional: forecast, forecast_upper, anomaly, anomaly_score, action, series.
//
// A bad file is an error naming the file and the 1-based line: a missing column,
// a row with the wrong number of fields, a value that is not a number, time going
// backwards (steps), or no data rows. An empty cell of an optional number is a gap
// (NaN). The one exception: a metrics row with too few fields is skipped and its
// line reported, since the daemon ends a line that a crash tore (outputs.h) and
// then goes on appending.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "prescale/status.h"

namespace prescale::plot {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct StepRow {
  double t = 0;  // epoch seconds (or seconds from the start)
  double load = 0;
  double demand = 0;
  double ready = 0;
  double booting = 0;
  double desired = 0;
  double cpu_utilization = kMissing;  // [0, 1]
  double forecast = kMissing;         // next step, in the series' units
  double forecast_upper = kMissing;   // peak upper bound over the horizon
  bool anomaly = false;
  std::string reason;
  std::string action;  // "scale_up", "scale_down", "hold"
};

struct StepsTable {
  std::string path;
  std::string series = "load";  // what the forecast and the detector worked on: load, cpu
  std::vector<StepRow> rows;
};

Result<StepsTable> ReadStepsCsv(const std::string& path);

struct MetricsRow {
  double t = 0;  // epoch seconds
  std::string group;
  double cpu_pct = kMissing;
  double load_per_s = kMissing;
  double ready = 0;
  double desired = 0;
  double forecast = kMissing;  // next tick, in the series' units (CPU as a fraction)
  double forecast_upper = kMissing;
  bool anomaly = false;
  std::string action;
  std::string reason;
  std::string series;  // "load", "cpu", or "" in files written before the column
};

struct MetricsTable {
  std::string path;
  std::vector<std::string> groups;         // in order of first appearance
  std::vector<MetricsRow> rows;            // in time order within each group
  std::vector<std::size_t> skipped_lines;  // torn rows (too few fields)
};

// Reads the rows with timestamp >= since_s.
Result<MetricsTable> ReadMetricsCsv(const std::string& path,
                                    double since_s = -std::numeric_limits<double>::infinity());

}  // namespace prescale::plot
